import RelayCore
import Synchronization

/// The redeliveries that may arrive with their original, stale timestamp: the ledger's requests
/// of the last hour, as a ``StaleRedeliveryRule``. The reconciler refreshes it after each of
/// its runs and whenever the ledger grows (a `moda-relay backfill` run); the ingress only reads
/// it, and only for a request whose timestamp is stale.
package final class StaleRedeliveries: Sendable {
    private struct Cached {
        var rule = StaleRedeliveryRule()
        var ledgerVersion: Int64 = -1
        /// Which event each requested delivery let in: one delivery is one event, so each
        /// admits one event id (and that event's retries), never a second one.
        var admitted: [String: String] = [:]
    }

    private let cached = Mutex(Cached())

    package init() {}

    /// The rule in force.
    package var rule: StaleRedeliveryRule { cached.withLock { $0.rule } }

    /// The requested redelivery that admits event `eventID` of `eventType`, signed at
    /// `timestampSeconds` (stale): one that ``StaleRedeliveryRule`` matches and that has let in
    /// no other event. Nil: refuse it as stale.
    package func admit(eventID: String, eventType: String, timestampSeconds: Int64, nowMillis: Int64)
        -> RequestedRedelivery?
    {
        cached.withLock { cached in
            let candidates = cached.rule.candidates(
                eventType: eventType, timestampSeconds: timestampSeconds, nowMillis: nowMillis)
            let chosen =
                candidates.first { cached.admitted[$0.deliveryID] == eventID }
                ?? candidates.first { cached.admitted[$0.deliveryID] == nil }
            if let chosen { cached.admitted[chosen.deliveryID] = eventID }
            return chosen
        }
    }

    /// Admits a redelivery about to be requested: before the request, since Moda may send it
    /// before its 202 reaches the relay.
    package func add(_ entry: RequestedRedelivery) { cached.withLock { $0.rule.add(entry) } }

    /// Reads the ledger's requests of the last hour again if it changed since the last look
    /// (or `force`). Reads files or the database: never on an event loop.
    package func refresh(from ledger: any BackfillLedgerStore, nowMillis: Int64, force: Bool = false) async throws {
        let version = try await ledger.version()
        guard force || version != cached.withLock({ $0.ledgerVersion }) else { return }
        let recent = try await ledger.requested(sinceMillis: nowMillis - StaleRedeliveryRule.requestedWithinMillis)
        cached.withLock { cached in
            cached.rule = StaleRedeliveryRule(recent)
            cached.ledgerVersion = version
            let live = Set(recent.map(\.deliveryID))
            cached.admitted = cached.admitted.filter { live.contains($0.key) }
        }
    }
}
