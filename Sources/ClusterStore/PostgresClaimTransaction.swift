import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import RelayCore
import Spool
import Synchronization

/// One claim transaction on the writer's session.
final class PostgresClaimTransaction: ClaimTransaction {
    let held: Set<DedupeKey>
    private let store: PostgresClaimStore
    private let connection: PostgresConnection
    private let transactionID: String?
    private var open = true

    init(store: PostgresClaimStore, connection: PostgresConnection, held: Set<DedupeKey>, transactionID: String?) {
        self.store = store
        self.connection = connection
        self.held = held
        self.transactionID = transactionID
    }

    func commit() throws(SpoolError) {
        guard open else { return }
        open = false
        let future = connection.query("COMMIT", logger: store.logger)
        let limit = store.configuration.roundTripLimit
        let started = ContinuousClock.now
        let outcome = blockingWait(future, closing: connection.closeFuture, limit: limit)
        if case .success? = outcome {
            store.observer?.roundTrip("commit", duration: ContinuousClock.now - started)
            store.beginAhead(on: connection)
            return
        }
        if case .failure(let error)? = outcome {
            let failure = StoreFailure(error)
            store.observer?.failed(code: failure.code)
            if !failure.connectionLost {
                // The server answered: the transaction did not commit.
                throw SpoolError(
                    code: .storeUnavailable, message: "shared store refused the commit: \(failure.message)")
            }
            store.abandon(connection, reason: failure.message)
        } else {
            store.observer?.failed(code: "timeout")
            store.abandon(connection, reason: "no answer to COMMIT within \(limit)")
        }
        // The COMMIT went out and its answer was lost: ask the server what became of it.
        guard let transactionID else { return }
        switch store.transactionCommitted(transactionID) {
        case true?:
            store.logger.notice(
                "shared store: a commit whose answer was lost is confirmed",
                metadata: ["relay.store.xid": "\(transactionID)"])
        case false?:
            throw SpoolError(code: .storeUnavailable, message: "shared store: the claims did not commit")
        case nil:
            store.logger.error(
                "shared store: cannot learn whether claims committed; the batch is answered 503 and its records are held until the outcome is known",
                metadata: ["relay.store.xid": "\(transactionID)"])
            throw SpoolError(code: .claimUnresolved, message: "shared store: whether the claims committed is unknown")
        }
    }

    func resolve() -> Bool? {
        guard let transactionID else { return false }
        return store.transactionCommitted(transactionID, once: true)
    }

    func rollBack() {
        guard open else { return }
        open = false
        let future = connection.query("ROLLBACK", logger: store.logger)
        if case .success? = blockingWait(
            future, closing: connection.closeFuture, limit: store.configuration.roundTripLimit)
        {
            store.beginAhead(on: connection)
            return
        }
        store.abandon(connection, reason: "ROLLBACK failed")
    }
}
