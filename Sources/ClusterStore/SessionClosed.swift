import Dispatch
import NIOCore
import Synchronization

/// The session closed while a round trip on it was awaited.
struct SessionClosed: Error, CustomStringConvertible {
    var description: String { "the session closed before it answered" }
}
