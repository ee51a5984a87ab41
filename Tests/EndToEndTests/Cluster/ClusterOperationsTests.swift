import Foundation
import RelayConfig
import RelayCore
import RelayTestSupport
import Spool
import Testing

/// Cluster mode as an operator meets it: TLS to the store, the instance id, the schema when
/// instances start together, expiry, `check`, `sinks` and `/readyz`.
@Suite struct ClusterOperationsTests {
    let cluster = ClusterTests()

    func relay(url: String, instance: String? = "a", data: String? = nil) async throws -> TestRelay {
        try await TestRelay(
            configure: { settings in
                settings.postgresURL = try! PostgresURL(parsing: url)
                settings.instanceID = instance
            }, dataDirectory: data)
    }

    /// Starts a relay on `url` unless that takes longer than `limit` (it waits for its store at
    /// start for as long as it takes): nil then.
    func relayWithin(_ limit: Duration, url: String) async throws -> TestRelay? {
        let started = Task { try await relay(url: url) }
        let timer = Task {
            try await Task.sleep(for: limit)
            started.cancel()
        }
        defer { timer.cancel() }
        return try? await started.value
    }

    /// A server that takes only TLS connections (`hostssl` in pg_hba.conf), with a certificate for
    /// localhost and 127.0.0.1 signed by a test CA: `require`, `verify-ca` and `verify-full` with
    /// that CA connect over TLS; `verify-full` trusting another CA, and `disable`, do not.
    @Test func tlsToTheStoreFollowsSSLMode() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pgtls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let good = try TestCertificates(in: scratch, name: "store")
        let other = try TestCertificates(in: scratch, name: "other")
        try "hostssl all all 127.0.0.1/32 scram-sha-256\nhostssl all all ::1/128 scram-sha-256\n".write(
            toFile: scratch + "/pg_hba.conf", atomically: true, encoding: .utf8)
        let server = try PostgresServer(
            settings: ["ssl": "on", "ssl_cert_file": "server.crt", "ssl_key_file": "server.key"],
            files: ["server.crt": good.chainFile, "server.key": good.keyFile, "pg_hba.conf": scratch + "/pg_hba.conf"])
        defer { server.stop() }
        let database = try server.createDatabase()
        let ip = server.url(database: database).replacingOccurrences(of: "?sslmode=disable", with: "")
        let name = ip.replacingOccurrences(of: "@127.0.0.1:", with: "@localhost:")

        for url in [
            ip + "?sslmode=require", ip + "?sslmode=verify-ca&sslrootcert=\(good.caFile)",
            name + "?sslmode=verify-full&sslrootcert=\(good.caFile)",
        ] {
            // A loaded machine can take long over a TLS start; only the refused cases need a short limit.
            let a = try await relayWithin(.seconds(60), url: url)
            #expect(a != nil, "\(url) did not connect")
            guard let a else { continue }
            #expect(try a.post(SignedEvent.body(id: "evt_tls_\(UUID().uuidString)")).status == 200, "\(url)")
            let tls = try server.psql(
                "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE s.ssl AND a.application_name LIKE 'moda-relay%'",
                database: database)
            #expect(tls == "2", "\(url): \(tls) TLS sessions of the relay")
            await a.shutdown()
        }
        for url in [name + "?sslmode=verify-full&sslrootcert=\(other.caFile)", ip + "?sslmode=disable"] {
            #expect(try await relayWithin(.seconds(2), url: url) == nil, "\(url) connected")
        }
    }

    @Test func theDefaultInstanceIDIsKeptInTheDataDirectory() async throws {
        let database = try PostgresServer.shared.createDatabase()
        let url = PostgresServer.shared.url(database: database)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("relay-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let first = try await relay(url: url, instance: nil, data: data)
        #expect(try first.post(SignedEvent.body(id: "evt_identity")).status == 200)
        await first.shutdown(keepData: true)
        let name = try String(contentsOfFile: data + "/instance-id", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(name.hasPrefix("relay-") && name.count == 18)
        #expect(try PostgresServer.shared.psql("SELECT instance_id FROM moda_relay_claims", database: database) == name)
        let second = try await relay(url: url, instance: nil, data: data)
        let store = try second.admin("/admin/sinks").json["store"] as? [String: Any]
        #expect(store?["instance"] as? String == name)
        #expect(store?["state"] as? String == "up")
        await second.shutdown()
    }

    /// Three instances starting at once on an empty database: each migration is applied once.
    @Test func instancesStartingTogetherMigrateTheSchemaOnce() async throws {
        let database = try PostgresServer.shared.createDatabase()
        let url = PostgresServer.shared.url(database: database)
        let relays = try await withThrowingTaskGroup(of: TestRelay.self) { group in
            for name in ["a", "b", "c"] { group.addTask { try await relay(url: url, instance: name) } }
            var started: [TestRelay] = []
            for try await relay in group { started.append(relay) }
            return started
        }
        #expect(relays.count == 3)
        let versions = try PostgresServer.shared.psql(
            "SELECT version FROM moda_relay_schema ORDER BY version", database: database)
        #expect(versions.split(separator: "\n").map(String.init) == ["1", "2"])
        for relay in relays { await relay.shutdown() }
    }

    @Test func claimsPastTheWindowExpireInBatches() async throws {
        let database = try PostgresServer.shared.createDatabase()
        let url = PostgresServer.shared.url(database: database)
        let first = try await relay(url: url)
        await first.shutdown()
        try PostgresServer.shared.psql(
            "INSERT INTO moda_relay_claims SELECT gen_random_uuid(), 'old', 1000 FROM generate_series(1, 12000)",
            database: database)
        let a = try await relay(url: url)
        #expect(try a.post(SignedEvent.body(id: "evt_fresh")).status == 200)
        #expect(
            try await eventually {
                try PostgresServer.shared.psql("SELECT count(*) FROM moda_relay_claims", database: database) == "1"
            })
        // Counted once the last batch is done.
        #expect(try await eventually { try a.metric("moda_relay_store_claims_expired_total") == 12000 })
        await a.shutdown()
    }

    /// The writer keeps a transaction begun ahead for the next batch; one no batch took within
    /// its lifetime (4 s) is ended by the writer itself, on its own thread's timer, before the
    /// server's idle timeout (10 s) ends the session: only the writer's thread uses its session,
    /// and the next event does not meet a dead one.
    @Test func aTransactionBegunAheadIsEndedByTheWriterWhenItGrowsStale() async throws {
        let database = try PostgresServer.shared.createDatabase()
        let a = try await relay(url: PostgresServer.shared.url(database: database))
        #expect(try a.post(SignedEvent.body(id: "evt_begun_ahead")).status == 200)
        let idle = """
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = '\(database)' AND application_name = 'moda-relay a writer'
                AND state = 'idle in transaction'
            """
        #expect(try await eventually { try PostgresServer.shared.psql(idle) == "1" })
        #expect(try await eventually(.seconds(10)) { try PostgresServer.shared.psql(idle) == "0" })
        // The session is still the writer's, and the next batch begins a transaction on it.
        let after = try a.post(SignedEvent.body(id: "evt_after_tidy"))
        #expect(after.status == 200, "\(after.body)")
        #expect(try a.post(SignedEvent.body(id: "evt_after_tidy")).json["duplicate"] as? Bool == true)
        let owners = try PostgresServer.shared.psql(
            "SELECT count(*) FROM moda_relay_claims WHERE instance_id = 'a'", database: database)
        #expect(owners == "2")
        await a.shutdown()
    }

    @Test func checkSinksAndReadinessShowTheStoreWithoutThePassword() async throws {
        let database = try PostgresServer.shared.createDatabase()
        let url = PostgresServer.shared.url(database: database)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("check-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch + "/routes", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try "postgres_url: \(url)\ninstance_id: edge-1\n".write(
            toFile: scratch + "/relay.yaml", atomically: true, encoding: .utf8)
        let (status, out, err) = try RelayProcess.run(
            ["check", "--config", scratch + "/relay.yaml", "--routes", scratch + "/routes"])
        #expect(status == 0, "\(out) \(err)")
        #expect(err.contains("cluster mode, shared store postgresql://relay:***@127.0.0.1:"))
        #expect(!(out + err).contains(PostgresServer.password))
        #expect(!(out + err).contains("p%40ss"))

        try "postgres_url: postgresql://relay:hunter2@127.0.0.1:0/x\n".write(
            toFile: scratch + "/bad.yaml", atomically: true, encoding: .utf8)
        let (badStatus, badOut, badErr) = try RelayProcess.run(
            ["check", "--config", scratch + "/bad.yaml", "--routes", scratch + "/routes"])
        #expect(badStatus == 1)
        #expect(badOut.contains("bad.yaml:1:15: 'postgres_url' the port must be a number from 1 to 65535"))
        #expect(!(badOut + badErr).contains("hunter2"))

        let a = try await relay(url: url)
        let (listed, table, _) = try RelayProcess.run(["sinks", "--admin", "http://127.0.0.1:\(a.adminPort)"])
        #expect(listed == 0)
        #expect(
            table.contains(
                "shared store: up (postgresql 127.0.0.1:\(PostgresServer.shared.port)/\(database), instance a)"))
        #expect(try a.admin("/readyz").status == 200)
        #expect(!a.logs.all.contains { "\($0.message) \($0.metadata)".contains(PostgresServer.password) })
        await a.shutdown()
    }
}
