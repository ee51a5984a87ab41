import Foundation
import Ingress
import RelayApp
import RelayConfig
import RelayCore
import RelayDispatch
import RelayTestSupport
import Sinks
import Spool
import Testing

/// Cluster mode when the answer to a claim `COMMIT` is lost and the store cannot say what became
/// of it in time (invariant 13, "unknown is not failure"). A deferred constraint trigger makes
/// the server finish the `COMMIT` of one chosen key seconds after the relay stopped waiting: so
/// the transaction is "in progress" while the relay asks, and is decided only later.
@Suite struct UnknownCommitTests {
    /// An instance whose claim round trips give up quickly (lock timeout 500 ms, so 2.5 s), with
    /// a commit deadline long enough to see the writer's own answer.
    func instance(_ name: String, database: String, sink: String, lockTimeout: Duration) async throws -> TestRelay {
        let url = PostgresServer.shared.url(database: database)
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
                settings.postgresLockTimeout = lockTimeout
                settings.commitTimeout = .seconds(15)
            })
    }

    /// Makes the `COMMIT` of the first transaction that claims `id` take `seconds`, then succeed or
    /// fail (a sequence counts, as it is not rolled back).
    func delayCommit(of id: String, seconds: Int, thenFail: Bool, database: String) throws {
        let failure = thenFail ? "RAISE EXCEPTION 'refused at commit';" : ""
        try PostgresServer.shared.psql(
            """
            CREATE SEQUENCE slow_commit_once;
            CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.key = '\(ClusterTests.claimKey(id))'::uuid AND nextval('slow_commit_once') = 1 THEN
                    PERFORM pg_sleep(\(seconds));
                    \(failure)
                END IF;
                RETURN NULL;
            END $$;
            CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT OR UPDATE ON moda_relay_claims
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit();
            """, database: database)
    }

    func deliveries(_ sink: ScriptedSinkServer, of id: String) -> Int {
        sink.requests.filter { $0.header("x-moda-event-id") == id }.count
    }

    /// The `COMMIT` went through after the relay gave up asking: the event is answered 503, the
    /// retry at another instance is a duplicate there, and the first instance still delivers it
    /// (its records were kept, not truncated on a guess).
    @Test func aClaimThatCommitsLateIsStillDelivered() async throws {
        let sink = try await ScriptedSinkServer { _, _ in .respond(status: 200) }
        let database = try PostgresServer.shared.createDatabase()
        let a = try await instance("a", database: database, sink: sink.url, lockTimeout: .milliseconds(500))
        let b = try await instance("b", database: database, sink: sink.url, lockTimeout: .seconds(12))
        try delayCommit(of: "evt_late_commit", seconds: 8, thenFail: false, database: database)

        let first = try a.post(SignedEvent.body(id: "evt_late_commit"))
        #expect(first.status == 503, "\(first.body)")
        #expect(first.body.contains("could not be confirmed"), "\(first.body)")
        let ready = try a.admin("/readyz")
        #expect(ready.status == 503)
        #expect(ready.body.contains("claim_unresolved"), "\(ready.body)")
        // Meanwhile a is refused new events with a reason (its held records block the tail).
        let other = try a.post(SignedEvent.body(id: "evt_late_other"))
        #expect(other.status == 503, "\(other.body)")

        // Moda's retry lands on b, waits for a's row, and finds it committed: duplicate.
        let retry = try b.post(SignedEvent.body(id: "evt_late_commit"))
        #expect(retry.status == 200, "\(retry.body)")
        #expect(retry.json["duplicate"] as? Bool == true, "\(retry.body)")
        let owner = try PostgresServer.shared.psql(
            "SELECT instance_id FROM moda_relay_claims WHERE key = '\(ClusterTests.claimKey("evt_late_commit"))'",
            database: database)
        #expect(owner == "a")

        // So a, which holds the only copy, delivers it; then it takes events again.
        #expect(try await eventually(.seconds(20)) { deliveries(sink, of: "evt_late_commit") == 1 })
        #expect(try await eventually { try a.admin("/readyz").status == 200 })
        #expect(try a.post(SignedEvent.body(id: "evt_late_commit")).json["duplicate"] as? Bool == true)
        #expect(try a.post(SignedEvent.body(id: "evt_late_other")).status == 200)
        #expect(try await eventually { deliveries(sink, of: "evt_late_other") == 1 })
        #expect(try await a.workerSettles("hook", delivered: 2))
        #expect(deliveries(sink, of: "evt_late_commit") == 1)
        await a.shutdown()
        await b.shutdown()
        await sink.shutdown()
    }

    /// The `COMMIT` failed after the relay gave up asking: the retry at another instance is
    /// accepted there, and the first instance skips its held copy. Delivered exactly once.
    @Test func aClaimThatFailsLateIsDeliveredOnceByWhoeverHoldsIt() async throws {
        let sink = try await ScriptedSinkServer { _, _ in .respond(status: 200) }
        let database = try PostgresServer.shared.createDatabase()
        let a = try await instance("a", database: database, sink: sink.url, lockTimeout: .milliseconds(500))
        let b = try await instance("b", database: database, sink: sink.url, lockTimeout: .seconds(12))
        try delayCommit(of: "evt_late_abort", seconds: 7, thenFail: true, database: database)

        let first = try a.post(SignedEvent.body(id: "evt_late_abort"))
        #expect(first.status == 503, "\(first.body)")
        let retry = try b.post(SignedEvent.body(id: "evt_late_abort"))
        #expect(retry.status == 200, "\(retry.body)")
        #expect(retry.json["duplicate"] as? Bool != true, "\(retry.body)")

        #expect(try await eventually(.seconds(20)) { a.relay.writer.unresolvedBatches == 0 })
        #expect(a.relay.writer.acceptedElsewhere == ["evt_late_abort"])
        #expect(try await eventually { deliveries(sink, of: "evt_late_abort") == 1 })
        #expect(try await eventually { a.relay.fleet.worker("hook")?.currentStatus.skipped == 1 })
        #expect(try await b.workerSettles("hook", delivered: 1))
        #expect(deliveries(sink, of: "evt_late_abort") == 1)
        let ready = try a.admin("/readyz")
        #expect(ready.status == 200, "\(ready.body)")
        await a.shutdown()
        await b.shutdown()
        await sink.shutdown()
    }
}
