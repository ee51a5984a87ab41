/// How a successful append ended.
package enum AppendOutcome: Sendable, Equatable {
    /// The records are durable in every routed spool and the key is seen (and, in cluster mode,
    /// its shared claim committed).
    case stored
    /// Cluster mode: another instance had already accepted the event; nothing was spooled.
    case duplicate
}
