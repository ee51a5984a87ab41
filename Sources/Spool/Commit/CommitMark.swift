/// What a reader may consume: records below `nextSequence`, and whether bytes it read ahead
/// could be stale (`rollbacks` changed).
package struct CommitMark: Sendable, Equatable {
    package var nextSequence: UInt64
    package var rollbacks: Int

    package init(nextSequence: UInt64, rollbacks: Int) {
        self.nextSequence = nextSequence
        self.rollbacks = rollbacks
    }
}
