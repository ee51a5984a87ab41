import RelayCore

/// Cluster mode: the writer's side of the shared claims (invariant 7, and 13 "unknown is not
/// failure").
extension WriterState {
    /// Cluster mode: claims the keys of `accepted` in the shared store. Appends whose key another
    /// instance holds are answered duplicate and left out (re-planned without them).
    func claim(
        _ planned: inout (sinks: [String: SinkBatch], accepted: [Append]), claims: any SharedClaims, nowMillis: Int64
    ) throws(SpoolError) -> (any ClaimTransaction)? {
        var keys: [DedupeKey] = []
        var distinct = Set<DedupeKey>()
        for (request, _) in planned.accepted where request.marksSeen && distinct.insert(request.seenKey).inserted {
            keys.append(request.seenKey)
        }
        guard !keys.isEmpty else { return nil }
        let transaction = try claims.begin(claiming: keys, nowMillis: nowMillis)
        let held = transaction.held
        guard held.count < keys.count else { return transaction }
        var kept: [Append] = []
        for append in planned.accepted {
            if append.request.marksSeen && !held.contains(append.request.seenKey) {
                answer(append.completion, .success(.duplicate))
            } else {
                kept.append(append)
            }
        }
        planned = plan(kept)
        return transaction
    }

    /// Keeps a batch whose claims' outcome is unknown (see ``UnresolvedClaims``).
    func keepUnresolved(
        _ transaction: any ClaimTransaction, accepted: [Append], written: [(SinkSpool, AppendFile, Int, UInt64)]
    ) {
        let seen = accepted.map(\.request).filter(\.marksSeen)
        unresolved.add(
            UnresolvedClaims.Batch(
                transaction: transaction,
                routed: seen.filter { !$0.sinks.isEmpty }.map {
                    SeenEntry(key: $0.seenKey, acceptedAtMillis: $0.acceptedAtMillis)
                },
                unrouted: seen.filter(\.sinks.isEmpty).map {
                    SeenEntry(key: $0.seenKey, acceptedAtMillis: $0.acceptedAtMillis)
                },
                dedupeKeys: Dictionary(
                    seen.map { ($0.seenKey, $0.dedupeKey) }, uniquingKeysWith: { first, _ in first }),
                firstSequences: Dictionary(written.map { ($0.0.name, $0.3) }, uniquingKeysWith: min)))
    }

    /// Dedupe keys found to belong to another instance since the last call.
    func takeElsewhere() -> Set<String> {
        defer { elsewhere = [] }
        return elsewhere
    }

    /// Asks again about batches whose claims' outcome was unknown (see ``UnresolvedClaims``).
    func resolveClaims(nowMillis: Int64) {
        guard let claims, !unresolved.isEmpty else { return }
        let outcome = unresolved.resolve(claims: claims, nowMillis: nowMillis)
        for (entries, routed) in outcome.seen where !entries.isEmpty {
            do throws(SpoolError) {
                try dedupe.recordDurable(entries, nowMillis: nowMillis, deferSync: routed)
            } catch {
                dedupe.restore(entries, nowMillis: nowMillis)
            }
        }
        elsewhere.formUnion(outcome.elsewhere)
    }
}
