/// Frees a sink's delivered tail segment when space runs out.
///
/// On a full disk (or a spool at its cap), a delivered backlog in the tail segment would never
/// be freed: the tail is never deleted. So once every committed record is acknowledged, the
/// queue asks the writer to start a new tail, then deletes the old one (which needs no space:
/// see ``SpoolReader/flush(committed:)``). Owned by the worker's thread, through its queue.
final class SpaceReclaimer {
    private let sink: String
    private let writer: GroupCommitWriter
    /// The last flush of acknowledgements failed for lack of space.
    private var acknowledgementsOutOfSpace = false
    /// The tail end this queue asked the writer to retire.
    private var retireRequested: UInt64?

    init(sink: String, writer: GroupCommitWriter) {
        self.sink = sink
        self.writer = writer
    }

    /// Whether the last flush of acknowledgements failed for lack of space.
    func acknowledgementsFlushed(outOfSpace: Bool) { acknowledgementsOutOfSpace = outOfSpace }

    /// Once per worker turn: asks for the tail to be retired (returning the sequence it is drained
    /// through), or deletes it once it has been.
    func reclaimIfOutOfSpace(reader: SpoolReader) throws(SpoolError) -> UInt64? {
        let committed = writer.commitMark(sink: sink)
        if let requested = retireRequested {
            defer { if reader.drainedTail(committed: committed) != requested { retireRequested = nil } }
            try reader.flush(committed: committed)
            return nil
        }
        guard acknowledgementsOutOfSpace || writer.isOutOfSpace(sink: sink),
            let end = reader.drainedTail(committed: committed)
        else { return nil }
        retireRequested = end
        writer.retireTail(sink: sink, drainedThrough: end)
        return end
    }
}
