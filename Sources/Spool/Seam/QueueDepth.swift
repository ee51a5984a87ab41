/// What a ``SinkQueue`` holds now: the committed records not yet acknowledged, counted below the
/// commit mark `committedThrough` (the next sequence to be committed).
package struct QueueDepth: Sendable, Equatable {
    package var pending: Int
    package var committedThrough: UInt64

    package init(pending: Int, committedThrough: UInt64) {
        self.pending = pending
        self.committedThrough = committedThrough
    }
}
