import RelayCore

/// A sink's delivery attempts counted in fixed time buckets over the last few minutes, for the
/// console's sparklines (`GET /admin/activity`).
///
/// Buckets are aligned to wall-clock multiples of ``bucketMillis``; a slot whose bucket has
/// passed out of the window reads as zero. Times are given by the caller, so it is pure: an
/// attempt recorded with a time before the window, or after the newest bucket read, is dropped
/// from that read, never counted in the wrong bucket.
package struct AttemptActivity: Sendable, Equatable {
    /// Counts per bucket, oldest first; the last bucket holds the instant of the read.
    package struct Series: Sendable, Equatable {
        /// When the first bucket starts (wall clock, ms).
        package var startMillis: Int64
        package var bucketMillis: Int64
        package var delivered: [Int]
        /// Attempts that did not deliver: retried, dead-lettered or paused.
        package var failed: [Int]
    }

    package let bucketMillis: Int64
    package let buckets: Int
    /// The absolute bucket number (time / width) each slot counts, or -1.
    private var slotBucket: [Int64]
    private var delivered: [Int]
    private var failed: [Int]

    /// `buckets` buckets of `bucketMillis` each (both at least 1).
    package init(bucketMillis: Int64 = 10_000, buckets: Int = 60) {
        self.bucketMillis = max(1, bucketMillis)
        self.buckets = max(1, buckets)
        slotBucket = Array(repeating: -1, count: self.buckets)
        delivered = Array(repeating: 0, count: self.buckets)
        failed = Array(repeating: 0, count: self.buckets)
    }

    /// Counts one attempt that ended at `atMillis`.
    package mutating func record(_ outcome: DeliveryOutcome, atMillis: Int64) {
        let bucket = Self.floorDivide(atMillis, bucketMillis)
        let slot = Int(Self.floorModulo(bucket, Int64(buckets)))
        if slotBucket[slot] != bucket {
            // An older bucket's counts are overwritten; a stale attempt (older than what the slot
            // holds) is dropped rather than mixed in.
            guard bucket > slotBucket[slot] else { return }
            slotBucket[slot] = bucket
            delivered[slot] = 0
            failed[slot] = 0
        }
        if outcome == .delivered {
            delivered[slot] += 1
        } else {
            failed[slot] += 1
        }
    }

    /// The window that ends with the bucket holding `nowMillis`.
    package func series(nowMillis: Int64) -> Series {
        let last = Self.floorDivide(nowMillis, bucketMillis)
        let first = last - Int64(buckets) + 1
        var series = Series(
            startMillis: first * bucketMillis, bucketMillis: bucketMillis,
            delivered: Array(repeating: 0, count: buckets), failed: Array(repeating: 0, count: buckets))
        for slot in 0..<buckets where (first...last).contains(slotBucket[slot]) {
            let position = Int(slotBucket[slot] - first)
            series.delivered[position] = delivered[slot]
            series.failed[position] = failed[slot]
        }
        return series
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    private static func floorModulo(_ value: Int64, _ divisor: Int64) -> Int64 {
        let remainder = value % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
