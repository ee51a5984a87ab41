import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import RelayCore
import Spool
import Synchronization

/// Cluster mode's ``SharedClaims`` in PostgreSQL.
///
/// Two sessions, each with its own role: the spool writer's, which brackets every group commit
/// with a claim transaction (one round trip for the claim, one for `COMMIT`: the next batch's
/// `BEGIN` is sent as soon as a transaction ends, off the critical path), and
/// the maintenance session (``ClaimStoreMaintenance``), which connects and reconnects both with
/// backoff, migrates the schema, probes the server, expires old claims and resolves commits whose
/// outcome was lost. While the writer's session is down every claim fails at once (503), so the
/// ingress never waits on a dead store.
package final class PostgresClaimStore: SharedClaims {
    /// Whether the store can be used now.
    package enum State: Sendable, Equatable {
        case connecting
        case up
        case down(reason: String)
    }

    package let configuration: ClaimStoreConfiguration
    package var instanceID: String { configuration.instanceID }
    let group: MultiThreadedEventLoopGroup
    let logger: Logger
    let observer: (any ClaimStoreObserver)?

    struct Sessions {
        var writer: PostgresConnection?
        var maintenance: PostgresConnection?
        var state = State.connecting
        var nextConnectionID = 1
        var wake = false
        /// A `BEGIN` already sent on the writer's session for the next batch, and when.
        var begun: (connection: PostgresConnection, done: EventLoopFuture<Void>, at: ContinuousClock.Instant)?
    }

    /// A transaction begun ahead is used only this young; older ones are ended (ROLLBACK) by the
    /// maintenance loop, well before the server's idle-in-transaction timeout (10 s or more).
    static let begunLifetime: Duration = .seconds(4)

    let sessions = Mutex(Sessions())

    /// How long a commit whose answer was lost may be looked for before the batch is refused.
    static let resolveBudget: Duration = .seconds(2)

    /// A claim round trip longer than this is counted as having waited for another instance.
    static let waitedThreshold: Duration = .milliseconds(10)

    package init(configuration: ClaimStoreConfiguration, logger: Logger, observer: (any ClaimStoreObserver)? = nil) {
        self.configuration = configuration
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var logger = logger
        logger[metadataKey: "relay.store"] = "\(configuration.endpoint)"
        self.logger = logger
        self.observer = observer
    }

    /// The store's state, for `/readyz` and `moda-relay sinks`.
    package var state: State { sessions.withLock { $0.state } }

    // MARK: SharedClaims (called on the spool writer's thread)

    package func begin(claiming keys: [DedupeKey], nowMillis: Int64) throws(SpoolError) -> any ClaimTransaction {
        let connection = try writerSession()
        let ordered = keys.map(\.uuid).sorted { $0.uuidString < $1.uuidString }
        let instance = configuration.instanceID
        let cutoff = nowMillis &- configuration.windowMillis
        let logger = self.logger
        // Sorted keys: two batches that share keys lock them in one order, so they never deadlock.
        let claim: PostgresQuery = """
            INSERT INTO moda_relay_claims AS c (key, instance_id, accepted_at_ms)
            SELECT k, \(instance), \(nowMillis) FROM unnest(\(ordered)::uuid[]) AS k ORDER BY k
            ON CONFLICT (key) DO UPDATE SET instance_id = EXCLUDED.instance_id, accepted_at_ms = EXCLUDED.accepted_at_ms
            WHERE c.instance_id = EXCLUDED.instance_id OR c.accepted_at_ms < \(cutoff)
            RETURNING key, pg_current_xact_id()::text
            """
        let started = ContinuousClock.now
        let future = transactionStart(on: connection).flatMap { _ in
            connection.query(claim, logger: logger)
        }
        let result = try wait(future, operation: "claim", on: connection)
        let elapsed = ContinuousClock.now - started
        if elapsed > Self.waitedThreshold { observer?.claimWaited() }
        var held = Set<DedupeKey>()
        var transactionID: String?
        do {
            for (key, xid) in try result.rows.map({ try $0.decode((UUID, String).self) }) {
                held.insert(DedupeKey(uuid: key))
                transactionID = xid
            }
        } catch {
            abandon(connection, reason: "cannot read the claim's answer: \(error)")
            throw SpoolError(code: .storeUnavailable, message: "shared store: unreadable claim answer")
        }
        return PostgresClaimTransaction(store: self, connection: connection, held: held, transactionID: transactionID)
    }

    package func heldElsewhere(_ keys: [DedupeKey], nowMillis: Int64) throws(SpoolError) -> Set<DedupeKey> {
        let connection = try writerSession()
        let cutoff = nowMillis &- configuration.windowMillis
        let query: PostgresQuery = """
            SELECT key FROM moda_relay_claims
            WHERE key = ANY(\(keys.map(\.uuid))::uuid[]) AND instance_id <> \(configuration.instanceID)
            AND accepted_at_ms >= \(cutoff)
            """
        let result = try wait(connection.query(query, logger: logger), operation: "lookup", on: connection)
        do {
            return Set(try result.rows.map { DedupeKey(uuid: try $0.decode(UUID.self)) })
        } catch {
            throw SpoolError(code: .storeUnavailable, message: "shared store: unreadable lookup answer")
        }
    }

    // MARK: Transactions begun ahead

    /// The `BEGIN` for a claim on `connection`: the one sent ahead if it is fresh, else a new one.
    private func transactionStart(on connection: PostgresConnection) -> EventLoopFuture<Void> {
        let begun = sessions.withLock { sessions in
            defer { sessions.begun = nil }
            return sessions.begun
        }
        if let begun, begun.connection === connection, ContinuousClock.now - begun.at < Self.begunLifetime {
            return begun.done
        }
        let logger = self.logger
        if let begun, begun.connection === connection {
            // Too old to trust against the idle timeout: end it and start afresh.
            return begun.done.flatMap { connection.query("ROLLBACK", logger: logger) }.flatMap { _ in
                connection.query("BEGIN", logger: logger).map { _ in () }
            }
        }
        return connection.query("BEGIN", logger: logger).map { _ in () }
    }

    /// Sends the next batch's `BEGIN` now that a transaction on `connection` has ended, so the
    /// next claim needs one round trip.
    func beginAhead(on connection: PostgresConnection) {
        let done = connection.query("BEGIN", logger: logger).map { _ in () }
        sessions.withLock { sessions in
            guard sessions.writer === connection else { return }
            sessions.begun = (connection, done, ContinuousClock.now)
        }
    }

    /// Ends a transaction begun ahead that no batch took in time. Called on the writer's thread
    /// only (``SharedClaims/tidy()``, at least twice a second): the maintenance loop never touches
    /// the writer's session.
    package func tidy() {
        let stale = sessions.withLock { sessions -> (PostgresConnection, EventLoopFuture<Void>)? in
            guard let begun = sessions.begun, ContinuousClock.now - begun.at >= Self.begunLifetime else { return nil }
            sessions.begun = nil
            return (begun.connection, begun.done)
        }
        guard let (connection, done) = stale else { return }
        let logger = self.logger
        done.flatMap { connection.query("ROLLBACK", logger: logger) }.whenComplete { _ in _ = connection }
    }

    // MARK: Sessions

    /// The writer's session, or the reason there is none (fails at once: no connect here).
    private func writerSession() throws(SpoolError) -> PostgresConnection {
        let (connection, state) = sessions.withLock { ($0.writer, $0.state) }
        if let connection {
            guard connection.isClosed else { return connection }
            abandon(connection, reason: "the session was closed")
        }
        let reason: String
        switch state {
        case .down(let why): reason = why
        case .connecting, .up: reason = "connecting"
        }
        throw SpoolError(code: .storeUnavailable, message: "shared store \(configuration.endpoint): \(reason)")
    }

    /// Waits for one round trip on the writer's thread, bounded by ``ClaimStoreConfiguration/roundTripLimit``.
    /// A lost connection or no answer gives the session up (the maintenance loop reconnects).
    func wait<Value: Sendable>(
        _ future: EventLoopFuture<Value>, operation: String, on connection: PostgresConnection
    ) throws(SpoolError) -> Value {
        let started = ContinuousClock.now
        guard let result = blockingWait(future, closing: connection.closeFuture, limit: configuration.roundTripLimit)
        else {
            observer?.failed(code: "timeout")
            abandon(connection, reason: "no answer to \(operation) within \(configuration.roundTripLimit)")
            throw SpoolError(code: .storeUnavailable, message: "shared store: no answer to \(operation) in time")
        }
        switch result {
        case .success(let value):
            observer?.roundTrip(operation, duration: ContinuousClock.now - started)
            return value
        case .failure(let error):
            let failure = StoreFailure(error)
            observer?.failed(code: failure.code)
            if failure.connectionLost {
                abandon(connection, reason: failure.message)
            } else {
                // The transaction is aborted server-side; end it so the session is usable again.
                _ = blockingWait(
                    connection.query("ROLLBACK", logger: logger), closing: connection.closeFuture,
                    limit: configuration.roundTripLimit)
            }
            if failure.code == "55P03" {
                throw SpoolError(
                    code: .claimTimeout,
                    message: "shared store: another instance held a claim longer than \(configuration.lockTimeout)")
            }
            logger.warning(
                "shared store: \(operation) failed",
                metadata: ["relay.store.code": "\(failure.code)", "relay.error": "\(failure.message)"])
            throw SpoolError(code: .storeUnavailable, message: "shared store: \(operation) failed: \(failure.message)")
        }
    }

    /// Gives a session up: closes it and marks the store down until the maintenance loop is back.
    func abandon(_ connection: PostgresConnection, reason: String) {
        sessions.withLock { sessions in
            if sessions.writer === connection {
                sessions.writer = nil
                sessions.begun = nil
            }
            if sessions.maintenance === connection { sessions.maintenance = nil }
            sessions.wake = true
        }
        connection.close().whenComplete { _ in _ = connection }
        markDown(reason: reason)
    }

    /// A new session's number, for postgres-nio's log metadata.
    func nextConnectionID() -> Int {
        sessions.withLock { sessions in
            defer { sessions.nextConnectionID += 1 }
            return sessions.nextConnectionID
        }
    }

    /// Closes both sessions and the event loop.
    package func shutdown() async {
        let (writer, maintenance) = sessions.withLock { sessions in
            defer {
                sessions.writer = nil
                sessions.maintenance = nil
            }
            return (sessions.writer, sessions.maintenance)
        }
        // Bounded: a session that stopped answering must not hold the relay's stop.
        for connection in [writer, maintenance].compactMap({ $0 }) {
            _ = try? await boundedWait(connection.close(), limit: .seconds(2))
        }
        try? await group.shutdownGracefully()
    }
}
