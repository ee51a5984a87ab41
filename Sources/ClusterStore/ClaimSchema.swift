import PostgresNIO

/// The shared store's tables and their versioned migrations.
///
/// `moda_relay_claims` holds one row per accepted dedupe key (its 128-bit fingerprint as a
/// `uuid`), the instance that accepted it and when; `moda_relay_backfill_requests` and
/// `moda_relay_backfill_state` are the backfill's ledger. `moda_relay_schema` lists the migrations
/// applied. Migrations run at start inside one transaction that first takes a transaction-level
/// advisory lock, so instances starting at once apply each one exactly once; every statement is
/// also idempotent.
enum ClaimSchema {
    /// Ties the advisory lock to this schema ("moda" in ASCII, then 1).
    static let migrationLock: Int64 = 0x6D6F_6461_0000_0001

    /// The migrations, in order; version N is `migrations[N - 1]`.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE IF NOT EXISTS moda_relay_claims (
                key uuid PRIMARY KEY,
                instance_id text NOT NULL,
                accepted_at_ms bigint NOT NULL
            )
            """,
            "CREATE INDEX IF NOT EXISTS moda_relay_claims_accepted_at ON moda_relay_claims (accepted_at_ms)",
        ],
        // 2: the backfill's ledger, shared by every instance (`PostgresBackfillLedger`).
        [
            """
            CREATE TABLE IF NOT EXISTS moda_relay_backfill_requests (
                delivery_id text PRIMARY KEY,
                event_type text NOT NULL,
                created_at_ms bigint NOT NULL,
                requested_at_ms bigint NOT NULL
            )
            """,
            """
            CREATE INDEX IF NOT EXISTS moda_relay_backfill_requests_requested_at
                ON moda_relay_backfill_requests (requested_at_ms)
            """,
            """
            CREATE TABLE IF NOT EXISTS moda_relay_backfill_state (
                id integer PRIMARY KEY CHECK (id = 1),
                watermark_ms bigint NOT NULL
            )
            """,
        ],
    ]

    /// The newest version this build knows.
    static var currentVersion: Int { migrations.count }

    /// Applies what is missing; returns the version the database is at. A database newer than
    /// this build is refused (an older binary must not write to a schema it does not know).
    static func migrate(_ connection: PostgresConnection, limit: Duration, logger: Logger) async throws -> Int {
        // Each statement bounded: a session that stops answering must not hold the start forever.
        @discardableResult
        func run(_ query: PostgresQuery) async throws -> PostgresQueryResult {
            try await boundedWait(connection.query(query, logger: logger), limit: limit)
        }
        try await run("BEGIN")
        do {
            try await run("SELECT pg_advisory_xact_lock(\(migrationLock))")
            try await run(
                """
                CREATE TABLE IF NOT EXISTS moda_relay_schema (
                    version integer PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
            var version = 0
            for row in try await run("SELECT coalesce(max(version), 0)::int8 FROM moda_relay_schema").rows {
                version = Int(try row.decode(Int64.self))
            }
            guard version <= currentVersion else {
                throw SchemaTooNew(found: version, known: currentVersion)
            }
            for next in (version + 1)...max(version + 1, currentVersion) where next <= currentVersion {
                for statement in migrations[next - 1] {
                    try await run(PostgresQuery(unsafeSQL: statement))
                }
                try await run("INSERT INTO moda_relay_schema (version) VALUES (\(Int64(next)))")
                logger.notice("shared store: schema migrated", metadata: ["relay.store.schema": "\(next)"])
            }
            try await run("COMMIT")
            return currentVersion
        } catch {
            _ = try? await boundedWait(connection.query("ROLLBACK", logger: logger), limit: limit)
            throw error
        }
    }

    /// The database's schema is newer than this build.
    struct SchemaTooNew: Error, CustomStringConvertible {
        var found: Int
        var known: Int
        var description: String {
            "the shared store's schema is version \(found); this build knows up to \(known): upgrade moda-relay"
        }
    }
}
