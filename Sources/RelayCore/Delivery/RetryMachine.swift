/// Decides what happens after each delivery attempt: done, retry at a time, dead-letter, or
/// dead-letter and pause the sink.
///
/// Pure and clock-free: the caller passes the current wall time and a random number generator,
/// so tests drive it with fixed times and a seeded generator, no sleeps.
///
/// Semantics:
/// - Retry number *n* (after attempt *n* failed) waits a delay drawn uniformly from
///   `[backoff, min(max_backoff, backoff · 2^(n−1))]` (exponential backoff, full jitter above the
///   floor).
/// - A `Retry-After` header (delta-seconds or an HTTP-date) is honoured as the later of it and
///   that delay.
/// - After `max_attempts` attempts, or when the next attempt would fall more than `max_age` after
///   the event was accepted, the event is dead-lettered with the last reason.
package struct RetryMachine: Sendable {
    /// What to do next.
    package enum Decision: Sendable, Equatable {
        case delivered
        /// Try again at this wall time (ms since the epoch).
        case retry(atMillis: Int64, reason: String)
        case deadLetter(reason: String)
        /// Dead-letter this event and stop the sink until an operator resumes it (410 Gone).
        case deadLetterAndPause(reason: String)
    }

    package let policy: RetryPolicy

    package init(policy: RetryPolicy) {
        self.policy = policy
    }

    /// The decision after attempt number `attempt` (1-based) of an event accepted at
    /// `acceptedAtMillis` returned `result` at `nowMillis`.
    package func decide(
        after result: DeliveryResult, attempt: Int, acceptedAtMillis: Int64, nowMillis: Int64,
        using generator: inout some RandomNumberGenerator
    ) -> Decision {
        let reason: String
        switch DeliveryClass.of(result) {
        case .delivered: return .delivered
        case .permanent(let why): return .deadLetter(reason: "permanent failure: \(why)")
        case .gone(let why): return .deadLetterAndPause(reason: "endpoint gone: \(why)")
        case .retryable(let why): reason = why
        }
        guard attempt < policy.maxAttempts else {
            return .deadLetter(reason: "gave up after \(attempt) attempts; last: \(reason)")
        }
        var delay = jitteredDelayMillis(retry: attempt, using: &generator)
        if case .response(_, let header?, _) = result,
            let retryAfter = Self.retryAfterMillis(header, nowMillis: nowMillis)
        {
            delay = max(delay, retryAfter)
        }
        let at = nowMillis + delay
        let maxAgeMillis = Self.millis(policy.maxAge)
        guard at - acceptedAtMillis <= maxAgeMillis else {
            return .deadLetter(reason: "gave up: next attempt would exceed max_age; last: \(reason)")
        }
        return .retry(atMillis: at, reason: reason)
    }

    /// A delay for retry number `retry`, uniform in `[backoff, ceiling]`.
    package func jitteredDelayMillis(retry: Int, using generator: inout some RandomNumberGenerator) -> Int64 {
        let floor = Self.millis(policy.initialBackoff)
        let ceiling = Self.millis(policy.backoffCeiling(retry: retry))
        guard ceiling > floor else { return floor }
        return Int64.random(in: floor...ceiling, using: &generator)
    }

    /// `Retry-After` as milliseconds from `nowMillis`: delta-seconds, or an IMF-fixdate
    /// (`Sun, 06 Nov 1994 08:49:37 GMT`). Nil if unparsable; 0 for dates in the past.
    package static func retryAfterMillis(_ header: String, nowMillis: Int64) -> Int64? {
        let text = header.trimmingASCIISpaces()
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let seconds = Int64(text.prefix(12)) {
            return seconds * 1000
        }
        guard let dateMillis = HTTPDate.parse(text) else { return nil }
        return max(0, dateMillis - nowMillis)
    }

    static func millis(_ duration: Duration) -> Int64 {
        duration.wholeMilliseconds
    }
}
