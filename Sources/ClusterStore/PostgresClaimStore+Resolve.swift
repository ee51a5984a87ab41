import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Spool
import Synchronization

/// Learning what became of a transaction whose `COMMIT` answer was lost.
extension PostgresClaimStore {
    /// Whether `transactionID` committed, asked on a session other than the one that lost it.
    /// nil while it cannot be learned (the server still works on it, or cannot be reached).
    ///
    /// Right after the loss it keeps asking for up to ``resolveBudget``, opening a session if
    /// need be. Asked again later (`once`), it asks one time on the maintenance session and
    /// returns at once when there is none: the writer never waits on a store that is down.
    func transactionCommitted(_ transactionID: String, once: Bool = false) -> Bool? {
        let deadline = ContinuousClock.now + Self.resolveBudget
        repeat {
            let shared = sessions.withLock { $0.maintenance }.flatMap { $0.isClosed ? nil : $0 }
            if let connection = shared ?? (once ? nil : connectBlocking(role: "resolve")) {
                defer { if shared == nil { connection.close().whenComplete { _ in _ = connection } } }
                let query: PostgresQuery = "SELECT pg_xact_status(\(transactionID)::xid8)::text"
                switch blockingWait(connection.query(query, logger: logger), limit: .seconds(1)) {
                case .success(let result)?:
                    switch try? result.rows.first?.decode(String?.self) {
                    case "committed": return true
                    case "aborted": return false
                    default: break  // "in progress": the server has not finished the old session
                    }
                case .failure(let error)? where StoreFailure(error).code == "22023":
                    // "transaction ID is in the future": the server crashed and lost every trace
                    // of it, so it never committed (a commit record would have kept the ID).
                    return false
                default:
                    break
                }
            }
            if once { return nil }
            Thread.sleep(forTimeInterval: 0.05)
        } while ContinuousClock.now < deadline
        return nil
    }

    /// A session opened on the calling thread (bounded by the connect timeout), for resolving;
    /// the caller closes it.
    func connectBlocking(role: String) -> PostgresConnection? {
        guard let configuration = try? configuration.connectionConfiguration(role: role) else { return nil }
        let future = PostgresConnection.connect(
            on: group.next(), configuration: configuration, id: nextConnectionID(), logger: logger)
        guard case .success(let connection)? = blockingWait(future, limit: self.configuration.connectTimeout) else {
            // Too late: whatever connects afterwards is closed at once.
            future.whenSuccess { late in late.close().whenComplete { _ in _ = late } }
            return nil
        }
        return connection
    }
}
