import Logging
import NIOCore
import PostgresNIO
import RelayCore
import ServiceLifecycle
import Spool

/// No answer in time.
struct StoreTimeout: Error, CustomStringConvertible {
    var description: String { "no answer in time" }
}
