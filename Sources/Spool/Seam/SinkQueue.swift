/// One sink's committed records, as its worker reads and settles them: the delivery half of the
/// storage seam (its guarantees are at ``DeliveryStore``). Owned by the worker's thread: not
/// `Sendable`, and never called from two threads.
package protocol SinkQueue: AnyObject {
    /// The sink this queue belongs to.
    var sink: String { get }

    /// Up to `limit` committed records after those already returned, in sequence order.
    func next(limit: Int) throws(SpoolError) -> [SpoolRecord]

    /// Dedupe keys of events this instance stored but another instance accepted and delivers
    /// (cluster mode: a crash cut this instance's claim short). Their records are skipped.
    var acceptedElsewhere: Set<String> { get }

    /// Marks `sequence` done (delivered, dead-lettered or skipped); durable at the next flush.
    func acknowledge(_ sequence: UInt64)

    /// Makes every acknowledgement so far durable, freeing what it can.
    func flushAcknowledgements() throws(SpoolError)

    /// Stores a dead letter durably; the record is acknowledged by the caller afterwards.
    func writeDeadLetter(_ letter: DeadLetter) throws(SpoolError)

    /// Committed records not yet acknowledged, and the commit mark they were counted against.
    var depth: QueueDepth { get }

    /// Called once per worker turn: while space has run out and every committed record is
    /// acknowledged, frees the space those records hold. Returns the sequence through which it
    /// started freeing, for the log, when it has just begun.
    func reclaimSpace() throws(SpoolError) -> UInt64?
}
