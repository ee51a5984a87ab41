import RelayCore

/// One accepted event to make durable: a record in each routed sink's spool, and its key in
/// the dedupe store, in one commit.
package struct AppendRequest: Sendable {
    /// Sink (route) names whose spools get a record; may be empty (matched no route).
    package var sinks: [String]
    package var dedupeKey: String
    package var seenKey: DedupeKey
    package var eventType: String
    package var body: [UInt8]
    package var acceptedAtMillis: Int64
    /// False for a replay of a dead letter: the key is already seen, and re-recording it
    /// would only grow the dedupe log.
    package var marksSeen: Bool

    package init(
        sinks: [String], dedupeKey: String, seenKey: DedupeKey, eventType: String, body: [UInt8],
        acceptedAtMillis: Int64,
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
