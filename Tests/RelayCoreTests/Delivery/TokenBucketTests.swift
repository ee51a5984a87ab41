import Testing

@testable import RelayCore

@Suite struct TokenBucketTests {
    let second: UInt64 = 1_000_000_000

    @Test func oneBySecondLikeSlack() {
        var bucket = TokenBucket(rate: Rate(count: 1, per: .seconds(1)))
        let start: UInt64 = 5 * second
        #expect(bucket.take(nowNanos: start) == 0)
        #expect(bucket.take(nowNanos: start) == second)
        #expect(bucket.take(nowNanos: start + second / 2) == second / 2)
        #expect(bucket.take(nowNanos: start + second) == 0)
        #expect(bucket.take(nowNanos: start + second) == second)
    }

    @Test func burstsUpToTheCountThenPaces() {
        var bucket = TokenBucket(rate: Rate(count: 30, per: .seconds(60)))
        var allowed = 0
        for _ in 0..<40 where bucket.take(nowNanos: 0) == 0 { allowed += 1 }
        #expect(allowed == 30)
        #expect(bucket.take(nowNanos: 0) == 2 * second)
        #expect(bucket.take(nowNanos: 2 * second) == 0)
        // An idle hour refills only up to the burst size.
        var refilled = 0
        for _ in 0..<100 where bucket.take(nowNanos: 3600 * second) == 0 { refilled += 1 }
        #expect(refilled == 30)
    }

    @Test func timeGoingBackwardsDoesNotMintTokens() {
        var bucket = TokenBucket(rate: Rate(count: 1, per: .seconds(1)))
        #expect(bucket.take(nowNanos: 10 * second) == 0)
        #expect(bucket.take(nowNanos: 9 * second) > 0)
        #expect(bucket.take(nowNanos: 10 * second) > 0)
        #expect(bucket.take(nowNanos: 11 * second) == 0)
    }
}
