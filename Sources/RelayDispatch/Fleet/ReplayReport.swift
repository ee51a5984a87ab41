import Dispatch
import Logging
import RelayCore
import Spool
import Synchronization

/// What a replay did.
package struct ReplayReport: Sendable {
    package var sink: String
    package var replayed: [String] = []
    /// Requested ids with no live dead letter in the sink.
    package var notFound: [String] = []
    /// Ids whose re-enqueue failed (they stay dead letters), with the error.
    package var failed: [String: String] = [:]
}
