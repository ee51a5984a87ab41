/// The storage seam of delivery: what the sink workers, the fleet and the dead-letter replay need
/// from wherever the accepted events live. The file spool (``SpoolDeliveryStore``) is one
/// implementation; PostgreSQL in cluster mode and a shared event log for fan-out are to be the
/// next. Every implementation must keep these guarantees, which the relay's promises rest on:
///
/// 1. **Committed only.** A queue returns a record only once its commit is durable: never a record
///    of a commit that failed or was rolled back, so nothing unacknowledged is ever delivered.
/// 2. **In order, at least once.** A sink's records come in acceptance (sequence) order, each once
///    per opening of its queue. A record not durably acknowledged is returned again by the next
///    queue opened for the sink, after a restart or a crash: nothing committed is skipped.
/// 3. **Acknowledged means done.** Once ``SinkQueue/flushAcknowledgements()`` has returned, no queue
///    opened later returns the records acknowledged before it. A flush that fails throws and keeps
///    every acknowledgement it could not make durable, to be flushed again.
/// 4. **A dead letter is durable before its record is acknowledged.** ``SinkQueue/writeDeadLetter(_:)``
///    returns only once the letter is stored; the worker acknowledges the record after that.
/// 5. **A replay is a new record.** ``reEnqueue(_:sink:acceptedAtMillis:)`` returns success for an
///    event only once it is durable again as a new record of the sink, delivered after everything
///    committed before it.
/// 6. **Reclaiming space deletes nothing unacknowledged.** ``SinkQueue/reclaimSpace()`` frees only
///    records that are durably acknowledged.
/// 7. **Depth is honest.** ``SinkQueue/depth`` counts the committed records not yet acknowledged,
///    against the commit mark it names, so a removed route is stopped only once it is truly empty.
/// 8. **One reader per sink.** At most one queue of a sink is open at a time: the fleet closes a
///    worker before it opens the sink's queue again.
///
/// Blocking: the queue's methods and ``reEnqueue(_:sink:acceptedAtMillis:)`` may block on I/O; they
/// are called from a worker's own thread or a blocking pool, never from an event loop.
package protocol DeliveryStore: Sendable {
    /// Opens `sink`'s queue for its worker, reading from the oldest record not yet acknowledged.
    func openQueue(sink: String) throws(SpoolError) -> any SinkQueue

    /// `sink`'s dead letters, shared by its worker and the admin API; opened on first use.
    func deadLetters(sink: String) throws(SpoolError) -> DeadLetterLog

    /// `sink`'s route is in force (again): events routed to it are taken from now on. Called
    /// before a route table naming it is swapped in.
    func accept(sink: String)

    /// The final commit mark of `sink` once it takes no more events (its route was removed), nil
    /// while it still takes them.
    func closedMark(sink: String) -> UInt64?

    /// Puts `letters` back into `sink`'s queue as new records accepted at `acceptedAtMillis` (a
    /// replay: the retry budget counts from it), and waits until they are durable. Returns the
    /// failures by dedupe key; every other letter's event is durable again.
    func reEnqueue(_ letters: [DeadLetter], sink: String, acceptedAtMillis: Int64) -> [String: SpoolError]
}
