/// One accepted event to make durable: a record in each routed sink's spool, and its key in
/// the dedupe store, in one commit.
package struct AppendRequest: Sendable {
    /// Sink (route) names whose spools get a record; may be empty (matched no route).
    package var sinks: [String]
    package var dedupeKey: String
    package var seenKey: SeenKey
    package var eventType: String
    package var body: [UInt8]
    package var acceptedAtMillis: Int64
    /// False for a replay of a dead letter: the key is already seen, and re-recording it
    /// would only grow the dedupe log.
    package var marksSeen: Bool

    package init(
        sinks: [String], dedupeKey: String, seenKey: SeenKey, eventType: String, body: [UInt8], acceptedAtMillis: Int64,
        marksSeen: Bool = true
    ) {
        self.sinks = sinks
        self.dedupeKey = dedupeKey
        self.seenKey = seenKey
        self.eventType = eventType
        self.body = body
        self.acceptedAtMillis = acceptedAtMillis
        self.marksSeen = marksSeen
    }
}

/// Called once per append, on the writer thread, when its commit succeeded or failed.
package typealias AppendCompletion = @Sendable (Result<AppendOutcome, SpoolError>) -> Void

/// How a successful append ended.
package enum AppendOutcome: Sendable, Equatable {
    /// The records are durable in every routed spool and the key is seen (and, in cluster mode,
    /// its shared claim committed).
    case stored
    /// Cluster mode: another instance had already accepted the event; nothing was spooled.
    case duplicate
}

/// Per-sink figures the writer publishes after each commit.
package struct SpoolStats: Sendable, Equatable {
    package var bytes: Int = 0
    package var segments: Int = 0
    package var recordsAppended: Int = 0
    package var nextSequence: UInt64 = 1
    /// Batches rolled back in this sink's spool since start (readers drop buffered bytes when it
    /// changes: rolled-back frames may have been read ahead).
    package var rollbacks: Int = 0

    package init(
        bytes: Int = 0, segments: Int = 0, recordsAppended: Int = 0, nextSequence: UInt64 = 1, rollbacks: Int = 0
    ) {
        self.bytes = bytes
        self.segments = segments
        self.recordsAppended = recordsAppended
        self.nextSequence = nextSequence
        self.rollbacks = rollbacks
    }
}

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
