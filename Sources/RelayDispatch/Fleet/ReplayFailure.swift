import Dispatch
import Logging
import RelayCore
import Spool
import Synchronization

/// A replay that cannot be done, with the HTTP status the admin API answers it with.
package struct ReplayFailure: Error, Sendable {
    package var status: Int
    package var reason: String
}
