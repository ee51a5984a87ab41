import Backfill
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import RelayCore
import Synchronization

/// Cluster mode's backfill ledger: the requests and the watermark in the shared PostgreSQL
/// (`moda_relay_backfill_requests`, `moda_relay_backfill_state`), so that every instance's
/// reconciler and `moda-relay backfill` share one record. A run holds a session-level advisory
/// lock on a session of its own for its whole length: one reconciler at a time in the cluster,
/// and a lost session releases it.
package final class PostgresBackfillLedger: BackfillLedgerStore {
    /// Ties the advisory lock to the backfill ("moda" in ASCII, then 2).
    static let runLock: Int64 = 0x6D6F_6461_0000_0002
    /// Requests older than this are deleted at the start of a run (as the data dir's ledger
    /// keeps 30 days).
    static let keptMillis: Int64 = 30 * 86_400_000

    private let configuration: ClaimStoreConfiguration
    private let logger: Logger
    private let group: any EventLoopGroup
    private let polling = Mutex<PostgresConnection?>(nil)
    private let connectionIDs = Atomic<Int>(0)

    package init(
        configuration: ClaimStoreConfiguration, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.logger = logger
        self.group = group
    }

    package func exclusively<T: Sendable>(
        nowMillis: Int64, waiting: @Sendable () -> Void, _ body: (any BackfillLedgerSession) async throws -> T
    ) async throws -> T {
        let connection = try await connect(role: "backfill")
        do {
            _ = try await ClaimSchema.migrate(connection, limit: configuration.roundTripLimit, logger: logger)
            var told = false
            while try await !tryLock(connection) {
                if !told { waiting() }
                told = true
                try await Task.sleep(for: .milliseconds(200))
            }
            try await run(
                connection,
                "DELETE FROM moda_relay_backfill_requests WHERE requested_at_ms < \(nowMillis - Self.keptMillis)")
            var requested: Set<String> = []
            for row in try await run(connection, "SELECT delivery_id FROM moda_relay_backfill_requests").rows {
                requested.insert(try row.decode(String.self))
            }
            var watermark: Int64?
            for row in try await run(connection, "SELECT watermark_ms FROM moda_relay_backfill_state WHERE id = 1").rows
            {
                watermark = try row.decode(Int64.self)
            }
            let session = Session(ledger: self, connection: connection, requested: requested, watermark: watermark)
            let result = try await body(session)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    package func requested(sinceMillis: Int64) async throws -> [RequestedRedelivery] {
        try await withPollingSession { connection in
            var requests: [RequestedRedelivery] = []
            let query: PostgresQuery = """
                SELECT delivery_id, event_type, created_at_ms, requested_at_ms
                FROM moda_relay_backfill_requests WHERE requested_at_ms >= \(sinceMillis)
                """
            for row in try await run(connection, query).rows {
                let (id, type, created, requested) = try row.decode((String, String, Int64, Int64).self)
                requests.append(
                    RequestedRedelivery(
                        deliveryID: id, eventType: type, createdAtMillis: created, requestedAtMillis: requested))
            }
            return requests
        }
    }

    package func version() async throws -> Int64 {
        try await withPollingSession { connection in
            let query: PostgresQuery =
                "SELECT count(*)::int8 * 1000003 + coalesce(max(requested_at_ms), 0) FROM moda_relay_backfill_requests"
            for row in try await run(connection, query).rows { return try row.decode(Int64.self) }
            return 0
        }
    }

    /// One run's session: its lock, and the requests it found, kept up to date.
    private final class Session: BackfillLedgerSession {
        private let ledger: PostgresBackfillLedger
        private let connection: PostgresConnection
        private let state: Mutex<(requested: Set<String>, watermark: Int64?)>

        init(ledger: PostgresBackfillLedger, connection: PostgresConnection, requested: Set<String>, watermark: Int64?)
        {
            self.ledger = ledger
            self.connection = connection
            self.state = Mutex((requested, watermark))
        }

        func isRequested(_ id: String) -> Bool { state.withLock { $0.requested.contains(id) } }
        var watermarkMillis: Int64? { state.withLock { $0.watermark } }

        func record(_ request: RequestedRedelivery) async throws {
            try await ledger.run(
                connection,
                """
                INSERT INTO moda_relay_backfill_requests (delivery_id, event_type, created_at_ms, requested_at_ms)
                VALUES (\(request.deliveryID), \(request.eventType), \(request.createdAtMillis), \(request.requestedAtMillis))
                ON CONFLICT (delivery_id) DO NOTHING
                """)
            state.withLock { _ = $0.requested.insert(request.deliveryID) }
        }

        func setWatermark(_ millis: Int64) async throws {
            try await ledger.run(
                connection,
                """
                INSERT INTO moda_relay_backfill_state (id, watermark_ms) VALUES (1, \(millis))
                ON CONFLICT (id) DO UPDATE SET watermark_ms = excluded.watermark_ms
                """)
            state.withLock { $0.watermark = millis }
        }
    }

    private func tryLock(_ connection: PostgresConnection) async throws -> Bool {
        for row in try await run(connection, "SELECT pg_try_advisory_lock(\(Self.runLock))").rows {
            return try row.decode(Bool.self)
        }
        return false
    }

    /// A statement on `connection`, bounded like every other round trip to the store.
    @discardableResult
    func run(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> PostgresQueryResult {
        try await boundedWait(connection.query(query, logger: logger), limit: configuration.roundTripLimit)
    }

    /// Runs `work` on the session kept for polling, opened when needed and dropped on an error.
    private func withPollingSession<T: Sendable>(_ work: (PostgresConnection) async throws -> T) async throws -> T {
        let existing = polling.withLock { $0 }
        let connection: PostgresConnection
        if let existing, !existing.isClosed {
            connection = existing
        } else {
            connection = try await connect(role: "backfill-poll")
            _ = try await ClaimSchema.migrate(connection, limit: configuration.roundTripLimit, logger: logger)
            polling.withLock { $0 = connection }
        }
        do {
            return try await work(connection)
        } catch {
            polling.withLock { $0 = nil }
            try? await connection.close()
            throw error
        }
    }

    /// Closes the polling session (at shutdown).
    package func close() async {
        let connection = polling.withLock { current -> PostgresConnection? in
            defer { current = nil }
            return current
        }
        try? await connection?.close()
    }

    private func connect(role: String) async throws -> PostgresConnection {
        let id = connectionIDs.add(1, ordering: .relaxed).newValue
        return try await boundedWait(
            PostgresConnection.connect(
                on: group.next(), configuration: try configuration.connectionConfiguration(role: role), id: id,
                logger: logger),
            limit: configuration.connectTimeout)
    }
}
