/// How a sink retries a failed delivery: exponential backoff from `initialBackoff` up to
/// `maximumBackoff`, at most `maxAttempts` attempts and for at most `maxAge` after the event
/// was accepted. Validated on construction.
package struct RetryPolicy: Sendable, Equatable {
    package var maxAttempts: Int
    package var initialBackoff: Duration
    package var maximumBackoff: Duration
    package var maxAge: Duration

    /// Why a policy is invalid.
    package struct Invalid: Error, Equatable {
        package var message: String
    }

    /// Defaults: 12 attempts, 1 s, 10 min, 24 h.
    package init() {
        self.maxAttempts = 12
        self.initialBackoff = .seconds(1)
        self.maximumBackoff = .seconds(600)
        self.maxAge = .seconds(86_400)
    }

    package init(maxAttempts: Int, initialBackoff: Duration, maximumBackoff: Duration, maxAge: Duration) throws(Invalid)
    {
        guard maxAttempts >= 1 else { throw Invalid(message: "max_attempts must be at least 1") }
        guard initialBackoff > .zero else { throw Invalid(message: "backoff must be positive") }
        guard maximumBackoff >= initialBackoff else {
            throw Invalid(message: "max_backoff must not be less than backoff")
        }
        guard maxAge > .zero else { throw Invalid(message: "max_age must be positive") }
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.maxAge = maxAge
    }

    /// The upper bound of the delay before retry number `retry` (1-based): `backoff · 2^(retry−1)`,
    /// capped at `max_backoff`. Full jitter draws the actual delay uniformly below it.
    package func backoffCeiling(retry: Int) -> Duration {
        let exponent = max(0, min(retry - 1, 62))
        let ceiling = initialBackoff * (1 << min(exponent, 30))
        return min(ceiling, maximumBackoff)
    }
}
