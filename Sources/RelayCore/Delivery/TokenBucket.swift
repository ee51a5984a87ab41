/// A token bucket for a sink's `rate`: `count` tokens per `per`, bursting up to `count`.
///
/// Pure: callers pass a monotonic time in nanoseconds, so tests use fixed times.
package struct TokenBucket: Sendable {
    private let capacity: Double
    private let nanosPerToken: Double
    private var tokens: Double
    private var lastNanos: UInt64?

    package init(rate: Rate) {
        capacity = Double(rate.count)
        let perNanos = rate.per.secondsValue * 1e9
        nanosPerToken = perNanos / Double(rate.count)
        tokens = capacity
    }

    /// Takes a token if one is available at `nowNanos` and returns 0; otherwise takes nothing
    /// and returns how many nanoseconds until one will be.
    package mutating func take(nowNanos: UInt64) -> UInt64 {
        if let lastNanos, nowNanos > lastNanos {
            tokens = min(capacity, tokens + Double(nowNanos - lastNanos) / nanosPerToken)
        }
        lastNanos = max(lastNanos ?? nowNanos, nowNanos)
        if tokens >= 1 {
            tokens -= 1
            return 0
        }
        return UInt64(((1 - tokens) * nanosPerToken).rounded(.up))
    }
}
