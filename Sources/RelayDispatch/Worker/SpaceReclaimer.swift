import Logging
import Spool

/// Frees a sink's delivered tail segment when space runs out.
///
/// On a full disk (or a spool at its cap), a delivered backlog in the tail segment would never
/// be freed: the tail is never deleted. So once every committed record is acknowledged, the
/// worker asks the writer to start a new tail, then deletes the old one (which needs no space:
/// see ``SpoolReader/flush()``). Owned by the worker's thread.
final class SpaceReclaimer {
    private let sink: String
    private let writer: GroupCommitWriter
    private let logger: Logger
    /// The last flush of acknowledgements failed for lack of space.
    private var acknowledgementsOutOfSpace = false
    /// The tail end this worker asked the writer to retire.
    private var retireRequested: UInt64?

    init(sink: String, writer: GroupCommitWriter, logger: Logger) {
        self.sink = sink
        self.writer = writer
        self.logger = logger
    }

    /// Whether the last flush of acknowledgements failed for lack of space.
    func acknowledgementsFlushed(outOfSpace: Bool) { acknowledgementsOutOfSpace = outOfSpace }

    /// Once per loop turn: asks for the tail to be retired, or deletes it once it has been.
    func reclaimIfOutOfSpace(reader: SpoolReader, note: (String) -> Void) {
        let committed = writer.commitMark(sink: sink)
        if let requested = retireRequested {
            do throws(SpoolError) {
                try reader.flush(committed: committed)
            } catch {
                note("freeing delivered segments failed: \(error)")
            }
            if reader.drainedTail(committed: committed) != requested { retireRequested = nil }
            return
        }
        guard acknowledgementsOutOfSpace || writer.isOutOfSpace(sink: sink),
            let end = reader.drainedTail(committed: committed)
        else { return }
        logger.notice(
            "out of space with every event delivered: retiring the spool's tail segment to free it",
            metadata: ["relay.sequence": "\(end)"])
        retireRequested = end
        writer.retireTail(sink: sink, drainedThrough: end)
    }
}
