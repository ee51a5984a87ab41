/// Per-sink figures the writer publishes after each commit.
package struct SpoolStats: Sendable, Equatable {
    package var bytes: Int = 0
    package var segments: Int = 0
    package var nextSequence: UInt64 = 1
    /// Batches rolled back in this sink's spool since start (readers drop buffered bytes when it
    /// changes: rolled-back frames may have been read ahead).
    package var rollbacks: Int = 0
    /// First sequence of the segment the writer appends to.
    package var tailFirst: UInt64 = 1

    package init(
        bytes: Int = 0, segments: Int = 0, nextSequence: UInt64 = 1, rollbacks: Int = 0, tailFirst: UInt64 = 1
    ) {
        self.bytes = bytes
        self.segments = segments
        self.nextSequence = nextSequence
        self.rollbacks = rollbacks
        self.tailFirst = tailFirst
    }
}
