/// When a correctly signed webhook whose timestamp is outside the replay window is still
/// accepted: Moda's reference does not say whether a redelivery is signed afresh or keeps the
/// original timestamp, so one that keeps it must get in, and nothing else stale may.
///
/// The rule: the relay itself asked, in the last hour, for a redelivery of a delivery with the
/// same event type, and the request's timestamp lies within five minutes of that delivery's
/// `created_at` (Moda signs an attempt when it makes it: the first attempt at `created_at`, the
/// last one about 36 s later).
package struct StaleRedeliveryRule: Sendable {
    /// How long after the relay asked a stale redelivery may arrive.
    package static let requestedWithinMillis: Int64 = 3_600_000
    /// Largest distance between the request's timestamp and the delivery's `created_at`.
    package static let timestampSlackMillis: Int64 = 300_000

    private var byType: [String: [RequestedRedelivery]] = [:]

    /// A rule admitting the given requests (older ones are simply never matched).
    package init(_ requested: [RequestedRedelivery] = []) {
        for entry in requested { byType[entry.eventType, default: []].append(entry) }
    }

    /// Admits one more request.
    package mutating func add(_ entry: RequestedRedelivery) { byType[entry.eventType, default: []].append(entry) }

    /// True when no request could match: the ingress refuses stale timestamps at the head.
    package var isEmpty: Bool { byType.isEmpty }

    /// The requested redelivery that admits a request of `eventType` signed at
    /// `timestampSeconds`, at `nowMillis`; nil when none does.
    package func admits(eventType: String, timestampSeconds: Int64, nowMillis: Int64) -> RequestedRedelivery? {
        candidates(eventType: eventType, timestampSeconds: timestampSeconds, nowMillis: nowMillis).last
    }

    /// Every requested redelivery that could admit such a request, oldest request first.
    package func candidates(eventType: String, timestampSeconds: Int64, nowMillis: Int64) -> [RequestedRedelivery] {
        guard let candidates = byType[eventType],
            timestampSeconds > -Timestamp.latestMillis / 1000, timestampSeconds < Timestamp.latestMillis / 1000
        else { return [] }
        let signedAt = timestampSeconds * 1000
        return candidates.filter { entry in
            let age = nowMillis - entry.requestedAtMillis
            let distance =
                signedAt > entry.createdAtMillis
                ? signedAt - entry.createdAtMillis : entry.createdAtMillis - signedAt
            return age >= 0 && age <= Self.requestedWithinMillis && distance <= Self.timestampSlackMillis
        }
    }
}
