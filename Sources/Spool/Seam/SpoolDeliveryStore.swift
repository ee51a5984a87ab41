import Dispatch
import RelayCore
import Synchronization

/// The file spool as a ``DeliveryStore``: each sink's segments under the data directory, read
/// against the ``GroupCommitWriter``'s commit marks, and its dead-letter log beside them.
package final class SpoolDeliveryStore: DeliveryStore {
    private let writer: GroupCommitWriter
    private let deadLogs = Mutex<[String: DeadLetterLog]>([:])

    package init(writer: GroupCommitWriter) { self.writer = writer }

    package func openQueue(sink: String) throws(SpoolError) -> any SinkQueue {
        try SpoolSinkQueue(sink: sink, writer: writer, deadLetters: deadLetters(sink: sink))
    }

    package func deadLetters(sink: String) throws(SpoolError) -> DeadLetterLog {
        if let log = deadLogs.withLock({ $0[sink] }) { return log }
        let configuration = writer.configuration
        let opened = try DeadLetterLog(
            directory: DataDirectory(configuration.dataDirectory).dead, sink: sink,
            integrity: configuration.integrity, fileSystem: configuration.fileSystem)
        return deadLogs.withLock { logs in
            if let log = logs[sink] { return log }
            logs[sink] = opened
            return opened
        }
    }

    package func accept(sink: String) { writer.accept(sink: sink) }

    package func closedMark(sink: String) -> UInt64? { writer.closedMark(sink: sink) }

    /// Appends each letter's event to the sink's spool (its key is seen already: not recorded
    /// again), and waits for the group commits.
    package func reEnqueue(_ letters: [DeadLetter], sink: String, acceptedAtMillis: Int64) -> [String: SpoolError] {
        let failures = Mutex<[String: SpoolError]>([:])
        let done = DispatchGroup()
        for letter in letters {
            let request = AppendRequest(
                sinks: [sink], dedupeKey: letter.dedupeKey, seenKey: DedupeKey(letter.dedupeKey),
                eventType: letter.eventType, body: letter.body, acceptedAtMillis: acceptedAtMillis, marksSeen: false)
            done.enter()
            writer.append(request) { result in
                if case .failure(let error) = result { failures.withLock { $0[letter.dedupeKey] = error } }
                done.leave()
            }
        }
        done.wait()
        return failures.withLock { $0 }
    }
}
