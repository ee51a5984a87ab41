import RelayCore
import Synchronization

/// One commit of an event as the records in spool tails show it.
struct TailCommit: Hashable {
    var key: String
    var acceptedAtMillis: Int64
    var fanOut: Int
}
