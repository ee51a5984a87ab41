import RelayCore

/// Cluster mode: batches whose claims' `COMMIT` was sent and whose outcome could not be learned
/// (its answer was lost, and `pg_xact_status` gave none in time: a synchronous standby waited
/// on, a partition). The transaction may still commit later, after Moda's retry reached
/// another instance and was answered duplicate there: so such a batch is never rolled back on a
/// guess (invariant 13, "unknown is not failure").
///
/// Its records stay in the spools, durable, and hidden from readers (the commit marks stop below
/// them); the writer takes no other append meanwhile (503), so no segment rolls past them. Each
/// batch is asked about again (``resolve(claims:nowMillis:)``) until its outcome is known:
/// committed, its keys are seen and its records delivered; rolled back, its keys are claimed
/// again, as recovery does: the ones this instance gets are seen and delivered, the ones another
/// instance has are skipped. If the relay stops first, recovery reconciles the records in the
/// tails the same way. Owned by the writer thread.
final class UnresolvedClaims {
    struct Batch {
        var transaction: any ClaimTransaction
        /// Seen entries of the routed events (recoverable from tail records) and unrouted ones.
        var routed: [SeenEntry]
        var unrouted: [SeenEntry]
        /// Each key's dedupe key (workers skip by dedupe key).
        var dedupeKeys: [DedupeKey: String]
        /// Where the batch's records start in each spool it wrote to.
        var firstSequences: [String: UInt64]
    }

    private(set) var batches: [Batch] = []
    /// When to ask again: each try is a single quick question, a few times a second at most, so
    /// refusals stay immediate while the store is away.
    private var nextTry = ContinuousClock.now

    static let retryInterval: Duration = .milliseconds(200)

    var isEmpty: Bool { batches.isEmpty }

    func add(_ batch: Batch) { batches.append(batch) }

    /// The first sequence readers must not reach, per sink.
    var hiddenFrom: [String: UInt64] {
        var out: [String: UInt64] = [:]
        for batch in batches {
            for (sink, first) in batch.firstSequences { out[sink] = min(out[sink] ?? first, first) }
        }
        return out
    }

    /// What resolving found: keys now this instance's (to record as seen), and dedupe keys another
    /// instance holds (their records are skipped).
    struct Outcome {
        var seen: [(entries: [SeenEntry], routed: Bool)] = []
        var elsewhere = Set<String>()
    }

    /// Asks about every batch again; the ones whose outcome is now known leave the list.
    func resolve(claims: any SharedClaims, nowMillis: Int64) -> Outcome {
        var outcome = Outcome()
        guard ContinuousClock.now >= nextTry else { return outcome }
        nextTry = ContinuousClock.now + Self.retryInterval
        var pending: [Batch] = []
        for var batch in batches {
            switch batch.transaction.resolve() {
            case nil:
                pending.append(batch)
            case true?:
                settle(batch, held: batch.transaction.held, into: &outcome)
            case false?:
                // Rolled back: claim the keys again, as recovery does.
                let again: any ClaimTransaction
                do throws(SpoolError) {
                    again = try claims.begin(claiming: (batch.routed + batch.unrouted).map(\.key), nowMillis: nowMillis)
                } catch {
                    pending.append(batch)
                    continue
                }
                do throws(SpoolError) {
                    try again.commit()
                    settle(batch, held: again.held, into: &outcome)
                } catch {
                    // Refused: ask again later. Unknown again: this new transaction is the one
                    // whose outcome decides.
                    if error.code == .claimUnresolved { batch.transaction = again }
                    pending.append(batch)
                }
            }
        }
        batches = pending
        return outcome
    }

    /// A batch whose claims are decided: the keys `held` are this instance's, the rest another's.
    private func settle(_ batch: Batch, held: Set<DedupeKey>, into outcome: inout Outcome) {
        outcome.seen.append((batch.routed.filter { held.contains($0.key) }, true))
        outcome.seen.append((batch.unrouted.filter { held.contains($0.key) }, false))
        for key in (batch.routed + batch.unrouted).map(\.key) where !held.contains(key) {
            if let dedupeKey = batch.dedupeKeys[key] { outcome.elsewhere.insert(dedupeKey) }
        }
    }
}
