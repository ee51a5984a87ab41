import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Spool
import Synchronization

/// A postgres-nio error, classified.
struct StoreFailure {
    /// The SQLSTATE, or `connection`.
    var code: String
    /// The session is unusable (closed, broken, or the server is going away).
    var connectionLost: Bool
    var message: String

    init(_ error: any Error) {
        if let error = error as? PSQLError, error.code == .server {
            let state = error.serverInfo?[.sqlState] ?? "server"
            code = state
            connectionLost = state.hasPrefix("08") || state.hasPrefix("57P")
            message = "\(error.serverInfo?[.message] ?? "server error") (SQLSTATE \(state))"
        } else if let error = error as? PSQLError {
            code = "connection"
            connectionLost = true
            message = "\(error.code)"
        } else {
            code = "connection"
            connectionLost = true
            message = "\(error)"
        }
    }
}
