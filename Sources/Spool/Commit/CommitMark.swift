/// What a reader may consume: records below `nextSequence`, whether bytes it read ahead could be
/// stale (`rollbacks` changed), and which segment the writer appends to (`tailFirst`).
///
/// The tail is the writer's knowledge, never a directory listing's: a file a failed or
/// interrupted segment creation left behind is not the tail, so a reader never deletes the
/// segment the writer still appends to, and never reads past it.
package struct CommitMark: Sendable, Equatable {
    package var nextSequence: UInt64
    package var rollbacks: Int
    /// First sequence of the writer's tail segment; 0: not known (the reader then deletes no
    /// segment and does not move past the one it reads).
    package var tailFirst: UInt64

    package init(nextSequence: UInt64, rollbacks: Int, tailFirst: UInt64 = 0) {
        self.nextSequence = nextSequence
        self.rollbacks = rollbacks
        self.tailFirst = tailFirst
    }
}
