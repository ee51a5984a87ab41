import RelayCore
import Spool
import Synchronization

/// One sink's queue of a ``MemoryDeliveryStore``: reads the committed records in order from the
/// first one not durably acknowledged, and makes acknowledgements durable only when flushed.
final class MemorySinkQueue: SinkQueue {
    let sink: String
    private let store: MemoryDeliveryStore
    private let deadLetters: DeadLetterLog
    /// The next sequence to return.
    private var position: UInt64 = 0
    /// Acknowledged, not yet flushed.
    private var pendingAcks: Set<UInt64> = []

    init(sink: String, store: MemoryDeliveryStore, deadLetters: DeadLetterLog) {
        self.sink = sink
        self.store = store
        self.deadLetters = deadLetters
    }

    deinit { store.state.withLock { $0[sink]?.openQueue = false } }

    func next(limit: Int) throws(SpoolError) -> [SpoolRecord] {
        if let error = store.failures.read { throw error }
        let (sink, position) = (self.sink, self.position)
        let due = store.state.withLock { sinks in
            let state = sinks[sink] ?? .init()
            return Array(
                state.records.lazy.filter { $0.sequence >= position && !state.acknowledged.contains($0.sequence) }
                    .prefix(limit))
        }
        if let last = due.last { self.position = last.sequence + 1 }
        return due
    }

    var acceptedElsewhere: Set<String> { store.elsewhere.withLock { $0 } }

    func acknowledge(_ sequence: UInt64) { pendingAcks.insert(sequence) }

    func flushAcknowledgements() throws(SpoolError) {
        if let error = store.failures.flush { throw error }
        let (sink, acks) = (self.sink, pendingAcks)
        store.state.withLock { $0[sink, default: .init()].acknowledged.formUnion(acks) }
        pendingAcks = []
    }

    func writeDeadLetter(_ letter: DeadLetter) throws(SpoolError) {
        if let error = store.failures.deadLetter { throw error }
        try deadLetters.append([letter])
    }

    var depth: QueueDepth {
        let (sink, acks) = (self.sink, pendingAcks)
        return store.state.withLock { sinks in
            let state = sinks[sink] ?? .init()
            let pending = state.records.count {
                !state.acknowledged.contains($0.sequence) && !acks.contains($0.sequence)
            }
            return QueueDepth(pending: pending, committedThrough: state.nextSequence)
        }
    }

    func reclaimSpace() throws(SpoolError) -> UInt64? { nil }
}
