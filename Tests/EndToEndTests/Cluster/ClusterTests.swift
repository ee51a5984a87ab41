import Foundation
import RelayConfig
import RelayCore
import RelayTestSupport
import Sinks
import Spool
import Synchronization
import Testing

/// Cluster mode against a real PostgreSQL: several relays, each with its own data directory,
/// share exactly-once acceptance.
@Suite struct ClusterTests {
    /// A relay in cluster mode on `database`, delivering to `sink`.
    func instance(_ name: String, database: String, sink: String, server: PostgresServer = .shared) async throws
        -> TestRelay
    {
        let url = server.url(database: database)
        return try await TestRelay(
            routes: [
                Route(
                    name: "hook", sink: HTTPSinkSettings(url: sink, headers: []),
                    retry: try! RetryPolicy(
                        maxAttempts: 50, initialBackoff: .milliseconds(10), maximumBackoff: .milliseconds(50),
                        maxAge: .seconds(3600)),
                    timeout: .seconds(2))
            ],
            configure: { settings in
                settings.postgresURL = try! PostgresURL(parsing: url)
                settings.instanceID = name
                settings.postgresLockTimeout = .seconds(10)
                // Above the lock timeout: a copy waits for another claim's outcome, not the deadline.
                settings.commitTimeout = .seconds(15)
            })
    }

    /// What a sink saw, by event id.
    func deliveries(_ server: ScriptedSinkServer) -> [String: Int] {
        var counts: [String: Int] = [:]
        for request in server.requests { counts[request.header("x-moda-event-id") ?? "?", default: 0] += 1 }
        return counts
    }

    @Test func aRetryThatLandsOnAnotherInstanceIsADuplicateAndDeliveredOnce() async throws {
        let sink = try await ScriptedSinkServer { _, _ in .respond(status: 200) }
        let database = try PostgresServer.shared.createDatabase()
        let a = try await instance("a", database: database, sink: sink.url)
        let b = try await instance("b", database: database, sink: sink.url)
        let body = SignedEvent.body(id: "evt_cluster_retry")
        let first = try a.post(body)
        #expect(first.status == 200)
        #expect(first.json["duplicate"] as? Bool != true)
        let retry = try b.post(body)
        #expect(retry.status == 200)
        #expect(retry.json["duplicate"] as? Bool == true)
        #expect(try await eventually { deliveries(sink)["evt_cluster_retry"] == 1 })
        #expect(try b.metric("moda_relay_store_duplicates_total") == 1)
        #expect(try a.metric("moda_relay_store_up") == 1)
        let owner = try PostgresServer.shared.psql(
            "SELECT instance_id FROM moda_relay_claims", database: database)
        #expect(owner == "a")
        // Nothing was spooled at b, and a second copy at a is a local duplicate.
        #expect(try a.post(body).json["duplicate"] as? Bool == true)
        #expect(try await a.workerSettles("hook", delivered: 1))
        #expect(try await b.workerSettles("hook"))
        #expect(deliveries(sink)["evt_cluster_retry"] == 1)
        await a.shutdown()
        await b.shutdown()
        await sink.shutdown()
    }

    @Test func copiesFiredAtTwoInstancesAtOnceAreAcceptedExactlyOnce() async throws {
        let sink = try await ScriptedSinkServer { _, _ in .respond(status: 200) }
        let database = try PostgresServer.shared.createDatabase()
        let a = try await instance("a", database: database, sink: sink.url)
        let b = try await instance("b", database: database, sink: sink.url)
        let ids = (0..<200).map { "evt_race_\($0)" }
        let answers = Mutex<[String: [String]]>([:])
        let ports = (a.port, b.port)
        DispatchQueue.concurrentPerform(iterations: ids.count * 2) { index in
            let id = ids[index / 2]
            let answer: String
            do {
                let response = try ClusterTests.post(port: index % 2 == 0 ? ports.0 : ports.1, SignedEvent.body(id: id))
                answer =
                    response.status != 200
                    ? "\(response.status)" : (response.json["duplicate"] as? Bool == true ? "duplicate" : "accepted")
            } catch {
                answer = "error: \(error)"
            }
            answers.withLock { $0[id, default: []].append(answer) }
        }
        let byID = answers.withLock { $0 }
        for id in ids {
            #expect(byID[id]?.sorted() == ["accepted", "duplicate"], "\(id): \(byID[id] ?? [])")
        }
        #expect(try await eventually { deliveries(sink).values.reduce(0, +) >= ids.count })
        #expect(try await a.workerSettles("hook"))
        #expect(try await b.workerSettles("hook"))
        let delivered = deliveries(sink)
        #expect(delivered.count == ids.count)
        #expect(delivered.values.allSatisfy { $0 == 1 })
        let rows = try PostgresServer.shared.psql("SELECT count(*) FROM moda_relay_claims", database: database)
        #expect(rows == "\(ids.count)")
        await a.shutdown()
        await b.shutdown()
        await sink.shutdown()
    }

    /// A claim another session holds uncommitted makes a copy wait, then take its outcome:
    /// committed → duplicate; rolled back, or its session killed → accepted here.
    @Test func aCopyWaitsForAnUncommittedClaimAndTakesItsOutcome() async throws {
        let sink = try await ScriptedSinkServer { _, _ in .respond(status: 200) }
        let server = PostgresServer.shared
        let database = try server.createDatabase()
        let a = try await instance("a", database: database, sink: sink.url)
        for (id, ending, expected) in [
            ("evt_hold_commit", "COMMIT", true), ("evt_hold_rollback", "ROLLBACK", false),
            ("evt_hold_killed", "KILL", false),
        ] {
            let key = ClusterTests.claimKey(id)
            let holder = Thread {
                // Long enough to be seen holding its claim even on a loaded machine.
                let tail = ending == "KILL" ? "SELECT pg_sleep(30); COMMIT;" : "SELECT pg_sleep(8); \(ending);"
                _ = try? server.psql(
                    "BEGIN; INSERT INTO moda_relay_claims VALUES ('\(key)', 'ghost', \(WallClock.nowMillis())); \(tail)",
                    database: database)
            }
            holder.start()
            #expect(
                try await eventually {
                    try server.psql(
                        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid "
                            + "WHERE s.datname = '\(database)' AND s.query LIKE '%ghost%' AND l.locktype = 'transactionid'",
                        database: database) != "0"
                })
            if ending == "KILL" {
                Thread {
                    Thread.sleep(forTimeInterval: 1.5)
                    _ = try? server.psql(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%ghost%' AND pid <> pg_backend_pid()",
                        database: database)
                }.start()
            }
            let started = ContinuousClock.now
            let answer = try a.post(SignedEvent.body(id: id))
            let waited = ContinuousClock.now - started
            #expect(answer.status == 200, "\(id)")
            #expect((answer.json["duplicate"] as? Bool == true) == expected, "\(id): \(answer.body)")
            #expect(waited > .milliseconds(500), "\(id) did not wait: \(waited)")
        }
        #expect((try a.metric("moda_relay_store_claims_waited_total") ?? 0) >= 3)
        #expect(try await eventually { deliveries(sink).keys.sorted() == ["evt_hold_killed", "evt_hold_rollback"] })
        await a.shutdown()
        await sink.shutdown()
    }

    /// Invariant 9: no 200 unless the shared claim committed. A deferred constraint trigger makes
    /// PostgreSQL refuse one key at COMMIT, after the local fsync: the event gets 503, its local
    /// records are rolled back (never delivered), and Moda's retry is accepted once the store
    /// takes it.
    @Test func noTwoHundredUnlessTheSharedClaimCommitted() async throws {
        let sink = try await ScriptedSinkServer { _, _ in .respond(status: 200) }
        let server = PostgresServer.shared
        let database = try server.createDatabase()
        let a = try await instance("a", database: database, sink: sink.url)
        let refused = ClusterTests.claimKey("evt_refused_at_commit")
        try server.psql(
            """
            CREATE FUNCTION refuse_one() RETURNS trigger AS $$ BEGIN
              IF NEW.key = '\(refused)' THEN RAISE EXCEPTION 'refused at commit'; END IF; RETURN NEW;
            END $$ LANGUAGE plpgsql;
            CREATE CONSTRAINT TRIGGER refuse_one AFTER INSERT OR UPDATE ON moda_relay_claims
              DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_one();
            """, database: database)
        let answer = try a.post(SignedEvent.body(id: "evt_refused_at_commit"))
        #expect(answer.status == 503)
        #expect(answer.body.contains("shared claim store is unavailable"))
        #expect(try a.post(SignedEvent.body(id: "evt_fine_meanwhile")).status == 200)
        #expect(
            try server.psql("SELECT count(*) FROM moda_relay_claims WHERE key = '\(refused)'", database: database)
                == "0")
        #expect(try await eventually { deliveries(sink)["evt_fine_meanwhile"] == 1 })
        #expect(try await a.workerSettles("hook", delivered: 1))
        #expect(deliveries(sink)["evt_refused_at_commit"] == nil)

        try server.psql("DROP TRIGGER refuse_one ON moda_relay_claims", database: database)
        let retry = try a.post(SignedEvent.body(id: "evt_refused_at_commit"))
        #expect(retry.status == 200)
        #expect(retry.json["duplicate"] as? Bool != true)
        #expect(try await eventually { deliveries(sink)["evt_refused_at_commit"] == 1 })
        await a.shutdown()
        await sink.shutdown()
    }

    /// POSTs a signed event to the relay on `port`.
    static func post(port: Int, _ body: [UInt8]) throws -> RawConnection.Response {
        let connection = try RawConnection(port: port)
        try connection.request(headers: SignedEvent.headers(body: body), body: body)
        return try connection.readResponse()
    }

    /// The store's key for an event id: the 128-bit fingerprint of its dedupe key as a uuid.
    static func claimKey(_ id: String) -> String {
        let key = DedupeKey(id)
        let hex = String(format: "%016llx%016llx", key.high, key.low)
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(hex.dropFirst(range.lowerBound).prefix(range.count))
        }
        return parts.joined(separator: "-")
    }
}
