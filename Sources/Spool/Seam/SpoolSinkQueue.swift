/// The file spool's ``SinkQueue``: the sink's ``SpoolReader`` read against the writer's commit
/// mark, its ``DeadLetterLog``, and the tail retirement that frees a delivered tail when space
/// runs out.
final class SpoolSinkQueue: SinkQueue {
    let sink: String
    private let writer: GroupCommitWriter
    private let reader: SpoolReader
    private let deadLetters: DeadLetterLog
    private let space: SpaceReclaimer

    init(sink: String, writer: GroupCommitWriter, deadLetters: DeadLetterLog) throws(SpoolError) {
        self.sink = sink
        self.writer = writer
        self.deadLetters = deadLetters
        let configuration = writer.configuration
        reader = try SpoolReader(
            sink: sink, directory: DataDirectory(configuration.dataDirectory).spool(sink),
            integrity: configuration.integrity, fileSystem: configuration.fileSystem
        ) { [writer] bytes in writer.segmentsDeleted(sink: sink, bytes: bytes) }
        space = SpaceReclaimer(sink: sink, writer: writer)
    }

    func next(limit: Int) throws(SpoolError) -> [SpoolRecord] {
        try reader.next(limit: limit, committed: writer.commitMark(sink: sink))
    }

    var acceptedElsewhere: Set<String> { writer.acceptedElsewhere }

    func acknowledge(_ sequence: UInt64) { reader.acknowledge(sequence) }

    func flushAcknowledgements() throws(SpoolError) {
        do throws(SpoolError) {
            try reader.flush(committed: writer.commitMark(sink: sink))
            space.acknowledgementsFlushed(outOfSpace: false)
        } catch {
            space.acknowledgementsFlushed(outOfSpace: error.code == .diskFull)
            throw error
        }
    }

    func writeDeadLetter(_ letter: DeadLetter) throws(SpoolError) { try deadLetters.append([letter]) }

    var depth: QueueDepth {
        let mark = writer.commitMark(sink: sink)
        return QueueDepth(pending: reader.pendingCount(committed: mark), committedThrough: mark.nextSequence)
    }

    func reclaimSpace() throws(SpoolError) -> UInt64? { try space.reclaimIfOutOfSpace(reader: reader) }
}
