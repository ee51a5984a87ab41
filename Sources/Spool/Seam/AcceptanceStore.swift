/// The storage seam of acceptance: what the accept pipeline needs from wherever events are stored.
///
/// An implementation must call `completion` once per request, after the event is durable in the
/// spool of every sink it names (then `.success`, saying whether its key was new or a duplicate),
/// or with the error that kept it from being stored, in which case nothing of it is delivered and
/// its key is not taken as seen. Requests are grouped into batches that share one durable commit.
package protocol AcceptanceStore: Sendable {
    /// The keys seen within the dedupe window: a key is in it before the `completion` of its first
    /// append is called, so a copy that checks after the original's completion is a duplicate.
    var dedupe: any DedupeStore { get }

    /// Stores `request` durably, grouped with others into one commit, then calls `completion`.
    func append(_ request: AppendRequest, completion: @escaping AppendCompletion)
}

extension GroupCommitWriter: AcceptanceStore {}
