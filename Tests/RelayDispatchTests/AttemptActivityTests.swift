import RelayTestSupport
import Testing

@testable import RelayCore
@testable import RelayDispatch

@Suite struct AttemptActivityTests {
    @Test func countsLandInTheBucketOfTheirTime() {
        var activity = AttemptActivity(bucketMillis: 1000, buckets: 4)
        activity.record(.delivered, atMillis: 10_000)
        activity.record(.delivered, atMillis: 10_999)
        activity.record(.retry, atMillis: 11_000)
        activity.record(.dead, atMillis: 13_500)
        activity.record(.paused, atMillis: 13_900)
        let series = activity.series(nowMillis: 13_999)
        #expect(series.startMillis == 10_000)
        #expect(series.delivered == [2, 0, 0, 0])
        #expect(series.failed == [0, 1, 0, 2])
    }

    @Test func oldBucketsFallOutOfTheWindowAndTheirSlotsAreReused() {
        var activity = AttemptActivity(bucketMillis: 1000, buckets: 3)
        activity.record(.delivered, atMillis: 1_000)
        activity.record(.retry, atMillis: 2_000)
        #expect(activity.series(nowMillis: 3_000).delivered == [1, 0, 0])
        #expect(activity.series(nowMillis: 4_000).delivered == [0, 0, 0])
        #expect(activity.series(nowMillis: 4_000).failed == [1, 0, 0])
        // 4_000 reuses the slot of 1_000: the old count is gone, not added to.
        activity.record(.delivered, atMillis: 4_500)
        #expect(activity.series(nowMillis: 4_500).delivered == [0, 0, 1])
        // An attempt older than what its slot now holds is dropped, never mixed in.
        activity.record(.delivered, atMillis: 1_200)
        #expect(activity.series(nowMillis: 4_500).delivered == [0, 0, 1])
        #expect(activity.series(nowMillis: 100_000).delivered == [0, 0, 0])
    }

    @Test func aClockThatStepsBackReadsNothingFromTheFuture() {
        var activity = AttemptActivity(bucketMillis: 1000, buckets: 3)
        activity.record(.delivered, atMillis: 50_000)
        #expect(activity.series(nowMillis: 40_000).delivered == [0, 0, 0])
        #expect(activity.series(nowMillis: 40_000).startMillis == 38_000)
    }

    /// Against a model that keeps every attempt: for attempts in time order (as a worker records
    /// them), every read equals the model's counts per bucket, for any gaps.
    @Test func matchesAModelThatKeepsEveryAttempt() {
        var random = SeededRandom(seed: PropertySeed.value)
        for _ in 0..<200 {
            let width = Int64.random(in: 1...5000, using: &random)
            let buckets = Int.random(in: 1...12, using: &random)
            var activity = AttemptActivity(bucketMillis: width, buckets: buckets)
            var kept: [(Int64, Bool)] = []
            var now = Int64.random(in: 0...1_000_000, using: &random)
            for _ in 0..<Int.random(in: 0...300, using: &random) {
                now +=
                    Bool.random(using: &random) ? 0 : Int64.random(in: 0...(width * Int64(buckets) * 2), using: &random)
                let delivered = Bool.random(using: &random)
                activity.record(delivered ? .delivered : .retry, atMillis: now)
                kept.append((now, delivered))
                let reading = now + Int64.random(in: 0...(width * 2), using: &random)
                let series = activity.series(nowMillis: reading)
                let last = reading / width
                let first = last - Int64(buckets) + 1
                var delivers = Array(repeating: 0, count: buckets)
                var fails = Array(repeating: 0, count: buckets)
                for (at, ok) in kept where (first...last).contains(at / width) {
                    if ok { delivers[Int(at / width - first)] += 1 } else { fails[Int(at / width - first)] += 1 }
                }
                #expect(series.delivered == delivers, "\(PropertySeed.note)")
                #expect(series.failed == fails, "\(PropertySeed.note)")
                #expect(series.startMillis == first * width, "\(PropertySeed.note)")
                if series.delivered != delivers { return }
            }
        }
    }
}
