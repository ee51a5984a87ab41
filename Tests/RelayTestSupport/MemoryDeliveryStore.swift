import RelayCore
import SimulatedDisk
import Spool
import Synchronization

/// The storage seam in memory, for unit tests of delivery: records committed by the test, queues
/// that keep the ``DeliveryStore`` guarantees, and failures on demand. Dead letters are real
/// ``DeadLetterLog``s on a ``SimulatedDisk``.
package final class MemoryDeliveryStore: DeliveryStore {
    struct Sink {
        var records: [SpoolRecord] = []
        /// Acknowledgements made durable by a flush.
        var acknowledged: Set<UInt64> = []
        var nextSequence: UInt64 = 1
        var closed = false
        var queuesOpened = 0
        var openQueue = false
    }

    /// What the test makes fail.
    package struct Failures: Sendable {
        /// Flushes of acknowledgements throw while this is set.
        package var flush: SpoolError?
        /// Dead-letter writes throw while this is set.
        package var deadLetter: SpoolError?
        /// Reads throw while this is set.
        package var read: SpoolError?
        package init() {}
    }

    let state = Mutex<[String: Sink]>([:])
    private let failuresBox = Mutex(Failures())
    private let disk = SimulatedDisk()
    private let deadLogs = Mutex<[String: DeadLetterLog]>([:])
    /// Keys another instance accepted (cluster mode); their records are skipped.
    package let elsewhere = Mutex<Set<String>>([])

    package init() {}

    package var failures: Failures {
        get { failuresBox.withLock { $0 } }
        set { failuresBox.withLock { $0 = newValue } }
    }

    /// Commits one event to `sink` (as the accept path would) and returns its sequence.
    @discardableResult
    package func commit(
        sink: String, key: String, type: String = "task.succeeded", body: String? = nil, acceptedAtMillis: Int64
    ) -> UInt64 {
        state.withLock { sinks in
            var state = sinks[sink] ?? Sink()
            let sequence = state.nextSequence
            state.nextSequence += 1
            state.records.append(
                SpoolRecord(
                    sequence: sequence, acceptedAtMillis: acceptedAtMillis, dedupeKey: key, eventType: type,
                    body: Array((body ?? #"{"id":"\#(key)","type":"\#(type)"}"#).utf8)))
            sinks[sink] = state
            return sequence
        }
    }

    /// Sequences of `sink` whose acknowledgement is durable.
    package func acknowledged(_ sink: String) -> Set<UInt64> { state.withLock { $0[sink]?.acknowledged ?? [] } }

    /// How many queues were opened for `sink`, and whether one is open now.
    package func queues(_ sink: String) -> (opened: Int, open: Bool) {
        state.withLock { ($0[sink]?.queuesOpened ?? 0, $0[sink]?.openQueue ?? false) }
    }

    /// The route of `sink` was removed: no more records are committed to it.
    package func close(sink: String) { state.withLock { $0[sink, default: Sink()].closed = true } }

    package func openQueue(sink: String) throws(SpoolError) -> any SinkQueue {
        try state.withLock { sinks throws(SpoolError) in
            guard sinks[sink]?.openQueue != true else {
                throw SpoolError(code: .ioError, message: "a queue of \(sink) is open already")
            }
            sinks[sink, default: Sink()].openQueue = true
            sinks[sink, default: Sink()].queuesOpened += 1
        }
        return MemorySinkQueue(sink: sink, store: self, deadLetters: try deadLetters(sink: sink))
    }

    package func deadLetters(sink: String) throws(SpoolError) -> DeadLetterLog {
        if let log = deadLogs.withLock({ $0[sink] }) { return log }
        let log = try DeadLetterLog(directory: "/sim/dead", sink: sink, fileSystem: disk)
        return deadLogs.withLock { logs in
            if let existing = logs[sink] { return existing }
            logs[sink] = log
            return log
        }
    }

    package func accept(sink: String) { state.withLock { $0[sink, default: Sink()].closed = false } }

    package func closedMark(sink: String) -> UInt64? {
        state.withLock { sinks in sinks[sink].flatMap { $0.closed ? $0.nextSequence : nil } }
    }

    package func reEnqueue(_ letters: [DeadLetter], sink: String, acceptedAtMillis: Int64) -> [String: SpoolError] {
        for letter in letters {
            commit(
                sink: sink, key: letter.dedupeKey, type: letter.eventType,
                body: String(decoding: letter.body, as: UTF8.self),
                acceptedAtMillis: acceptedAtMillis)
        }
        return [:]
    }
}
