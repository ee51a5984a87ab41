import RelayCore

/// Cluster mode's shared acceptance record: which instance durably accepted which key.
///
/// The writer brackets each group commit with one claim transaction (invariant 7, "no 200
/// unless the shared claim committed"):
///
/// 1. ``begin(claiming:nowMillis:)`` claims the batch's keys. A key another instance has
///    committed is a duplicate; one it holds uncommitted makes the claim wait for its outcome
///    (bounded by the store's lock timeout).
/// 2. The writer writes and syncs the records of the keys it holds.
/// 3. ``ClaimTransaction/commit()``. Only after it returns are the events answered 200.
///
/// A key already claimed by *this* instance is held again: the local seen-set is the authority
/// on what this instance stored, and a claim of ours that it lacks belongs to a batch that was
/// rolled back here (a commit whose outcome was unknown).
package protocol SharedClaims: AnyObject, Sendable {
    /// This instance's name in the store.
    var instanceID: String { get }

    /// Opens a transaction claiming `keys` (distinct). Throws when the store is unreachable or
    /// the wait for another instance's claim timed out: nothing is claimed then.
    func begin(claiming keys: [DedupeKey], nowMillis: Int64) throws(SpoolError) -> any ClaimTransaction

    /// Of `keys`, those another instance has committed (recovery of events cut short by a crash,
    /// which must not be claimed).
    func heldElsewhere(_ keys: [DedupeKey], nowMillis: Int64) throws(SpoolError) -> Set<DedupeKey>

    /// Called on the writer's thread between batches: ends a transaction begun ahead that has
    /// waited too long. With ``begin(claiming:nowMillis:)`` and the transaction's own calls, it is
    /// the only thing that touches the writer's session, and all of them run on that one thread:
    /// a claim can never run outside its transaction.
    func tidy()
}
