import Foundation
import RelayTestSupport
import SimulatedDisk
import Sinks
import Synchronization
import Testing

@testable import Ingress
@testable import RelayApp
@testable import RelayCore
@testable import RelayDispatch

/// The admin API against a real relay and real sink servers: what the on-call engineer sees
/// and does.
@Suite struct AdminAPITests {

    /// The status a switchable sink server answers with.
    final class StatusSwitch: Sendable {
        private let code: Mutex<Int>
        init(_ code: Int) { self.code = Mutex(code) }
        var value: Int { code.withLock { $0 } }
        func set(_ value: Int) { code.withLock { $0 = value } }
    }

    /// A sink server whose answer the test switches.
    func switchableServer(_ status: StatusSwitch) async throws -> ScriptedSinkServer {
        try await ScriptedSinkServer { _, _ in
            let code = status.value
            return .respond(status: code, body: code == 200 ? "ok" : "bad payload: channel_not_found")
        }
    }

    func httpRoute(_ name: String, _ url: String, attempts: Int = 2) -> Route {
        Route(
            name: name, sink: HTTPSinkSettings(url: url, headers: []),
            retry: try! RetryPolicy(
                maxAttempts: attempts, initialBackoff: .milliseconds(10), maximumBackoff: .milliseconds(20),
                maxAge: .seconds(3600)),
            timeout: .seconds(2))
    }

    func list(_ response: RawConnection.Response, _ key: String) -> [[String: Any]] {
        response.json[key] as? [[String: Any]] ?? []
    }

    @Test func deadLettersAreListedReplayedAndKeepTheirHistory() async throws {
        let status = StatusSwitch(400)
        let server = try await switchableServer(status)
        let relay = try await TestRelay(routes: [httpRoute("strict", server.url)])
        for id in ["evt_dead_1", "evt_dead_2"] { #expect(try relay.post(SignedEvent.body(id: id)).status == 200) }
        #expect(try await eventually { relay.relay.fleet.worker("strict")?.currentStatus.deadLetters == 2 })

        let dead = try relay.admin("/admin/dead?sink=strict")
        #expect(dead.status == 200)
        #expect(dead.json["count"] as? Int == 2)
        let letters = list(dead, "dead")
        #expect(Set(letters.compactMap { $0["id"] as? String }) == ["evt_dead_1", "evt_dead_2"])
        #expect(letters.allSatisfy { ($0["reason"] as? String)?.contains("permanent failure") == true })
        #expect(letters.allSatisfy { $0["last_status"] as? Int == 400 && $0["sink"] as? String == "strict" })
        #expect(letters.first?["response_excerpt"] as? String == "bad payload: channel_not_found")
        #expect(letters.first?["event"] == nil)
        let withBody = list(try relay.admin("/admin/dead?sink=strict&body=true"), "dead")
        #expect(withBody.first?["event"] is [String: Any])
        let range = try relay.admin("/admin/dead?since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z")
        #expect(range.json["count"] as? Int == 0)
        #expect(try relay.admin("/admin/dead?since=yesterday").status == 400)

        let deliveries = try relay.admin("/admin/deliveries?sink=strict&status=dead")
        #expect(list(deliveries, "deliveries").count == 2)
        let deadAttempts = list(deliveries, "deliveries")
        #expect(deadAttempts.allSatisfy { ($0["status"] as? Int) == 400 })
        #expect(deadAttempts.allSatisfy { ($0["attempt"] as? Int) == 1 })
        #expect(list(try relay.admin("/admin/deliveries?status=4xx"), "deliveries").count == 2)
        #expect(list(try relay.admin("/admin/deliveries?sink=strict&status=delivered"), "deliveries").isEmpty)
        #expect(try relay.admin("/admin/deliveries?status=sometimes").status == 400)
        #expect(try relay.admin("/admin/deliveries?sink=nope").status == 404)

        // The downstream is fixed: replay one by id.
        status.set(200)
        let one = try relay.admin(
            "POST", "/admin/dead/replay", json: #"{"sink":"strict","ids":["evt_dead_1","evt_nope"]}"#)
        #expect(one.status == 200)
        #expect(one.json["replayed"] as? Int == 1)
        #expect(one.json["not_found"] as? [String] == ["evt_nope"])
        #expect(try await eventually { relay.relay.fleet.worker("strict")?.currentStatus.delivered == 1 })
        #expect(server.requests.filter { $0.header("x-moda-event-id") == "evt_dead_1" }.count == 2)
        let remaining = list(try relay.admin("/admin/dead?sink=strict"), "dead").compactMap { $0["id"] as? String }
        #expect(remaining == ["evt_dead_2"])
        // Replay does not make Moda's retries new events.
        #expect(try relay.post(SignedEvent.body(id: "evt_dead_1")).json["duplicate"] as? Bool == true)

        // Broken again: a replayed event that dies again is listed once more, with its history.
        status.set(400)
        let all = try relay.admin("POST", "/admin/dead/replay", json: #"{"sink":"strict"}"#)
        #expect(all.json["ids"] as? [String] == ["evt_dead_2"])
        #expect(try await eventually { relay.relay.fleet.worker("strict")?.currentStatus.deadLetters == 3 })
        let again = list(try relay.admin("/admin/dead?sink=strict"), "dead")
        #expect(again.count == 1)
        #expect((again.first?["history"] as? [[String: Any]])?.count == 1)
        #expect(try relay.metric(#"moda_relay_admin_requests_total{endpoint="replay",code="200"}"#) == 2)

        // Refusals: unknown sink, bad body.
        #expect(try relay.admin("POST", "/admin/dead/replay", json: #"{"sink":"nope"}"#).status == 404)
        #expect(try relay.admin("POST", "/admin/dead/replay", json: #"{"ids":["x"]}"#).status == 400)
        #expect(try relay.admin("POST", "/admin/dead/replay", json: #"{"sink":"strict","id":"x"}"#).status == 400)
        #expect(try relay.admin("GET", "/admin/dead/replay").status == 405)
        #expect(relay.logs.all.contains { $0.message == "admin request refused" })
        await relay.shutdown()
        await server.shutdown()
    }

    /// Without `sink`, pages merge every sink's dead letters, newest first, and only the page is
    /// read back from the files.
    @Test func deadLettersOfSeveralSinksArePagedTogether() async throws {
        let status = StatusSwitch(400)
        let server = try await switchableServer(status)
        let relay = try await TestRelay(routes: [httpRoute("one", server.url), httpRoute("two", server.url)])
        for index in 0..<6 { #expect(try relay.post(SignedEvent.body(id: "evt_pages_\(index)")).status == 200) }
        #expect(
            try await eventually {
                relay.relay.fleet.worker("one")?.currentStatus.deadLetters == 6
                    && relay.relay.fleet.worker("two")?.currentStatus.deadLetters == 6
            })
        let all = try relay.admin("/admin/dead?limit=100")
        #expect(all.json["count"] as? Int == 12)
        let letters = list(all, "dead")
        let times = letters.compactMap { $0["dead_at"] as? String }
        #expect(times == times.sorted(by: >))
        #expect(Set(letters.compactMap { $0["sink"] as? String }) == ["one", "two"])
        let page = list(try relay.admin("/admin/dead?limit=5&offset=5"), "dead")
        #expect(page.count == 5)
        let keyed = { (letter: [String: Any]) in "\(letter["sink"] ?? "")/\(letter["id"] ?? "")" }
        #expect(page.map(keyed) == letters[5..<10].map(keyed))
        #expect(try relay.admin("/admin/dead?offset=-1").status == 400)
        await relay.shutdown()
        await server.shutdown()
    }

    @Test func theTokenGuardsAdminButNotProbes() async throws {
        let relay = try await TestRelay(adminToken: "s3cret-token")
        #expect(try relay.admin("/admin/sinks").status == 401)
        #expect(try relay.admin("GET", "/admin/sinks", token: "wrong").status == 401)
        #expect(try relay.admin("GET", "/admin/sinks", token: "s3cret-tokenX").status == 401)
        #expect(try relay.admin("POST", "/admin/dead/replay", json: #"{"sink":"archive"}"#).status == 401)
        let ok = try relay.admin("GET", "/admin/sinks", token: "s3cret-token")
        #expect(ok.status == 200)
        #expect(list(ok, "sinks").first?["name"] as? String == "archive")
        for probe in ["/healthz", "/readyz", "/metrics"] { #expect(try relay.admin(probe).status == 200) }
        #expect(try relay.metric(#"moda_relay_admin_requests_total{endpoint="sinks",code="401"}"#) == 3)
        #expect(!relay.logs.all.contains { "\($0.message) \($0.metadata)".contains("s3cret-token") })
        await relay.shutdown()
    }

    @Test func sinksShowRunningPausedCircuitOpenDisabledAndOrphaned() async throws {
        let gone = try await ScriptedSinkServer { _, _ in .respond(status: 410, body: "gone") }
        let failing = try await ScriptedSinkServer { _, _ in .respond(status: 503) }
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("relay-\(UUID().uuidString)").path
        let first = try await TestRelay(
            routes: [
                TestRelay.fileRoute("archive"), httpRoute("gone", gone.url),
                httpRoute("failing", failing.url, attempts: 1000),
                httpRoute("old", "http://127.0.0.1:1/nothing-listens", attempts: 1000),
                TestRelay.fileRoute("later", enabled: false),
            ], dataDirectory: data)
        for n in 0..<8 { #expect(try first.post(SignedEvent.body(id: "evt_state_\(n)")).status == 200) }
        #expect(try await eventually { first.relay.fleet.worker("gone")?.currentStatus.paused != nil })
        #expect(try await eventually { first.relay.fleet.worker("failing")?.currentStatus.circuitOpen == true })
        let sinks = Dictionary(
            uniqueKeysWithValues: list(try first.admin("/admin/sinks"), "sinks").map { ($0["name"] as! String, $0) })
        #expect(sinks["archive"]?["state"] as? String == "running")
        #expect(sinks["archive"]?["kind"] as? String == "file")
        #expect(sinks["gone"]?["state"] as? String == "paused")
        #expect((sinks["gone"]?["reason"] as? String)?.contains("endpoint gone") == true)
        #expect((sinks["gone"]?["dead_letters"] as? Int ?? 0) >= 1)  // each attempt in flight when 410 came
        #expect(sinks["failing"]?["state"] as? String == "circuit open")
        #expect((sinks["failing"]?["last_error"] as? String)?.contains("503") == true)
        // The depth is what the worker last published: it converges on the 8 committed records.
        #expect(
            try await eventually {
                let failing = list(try first.admin("/admin/sinks"), "sinks").first {
                    $0["name"] as? String == "failing"
                }
                return (failing?["spool"] as? [String: Any])?["depth"] as? Int == 8
            })
        #expect(sinks["later"]?["state"] as? String == "disabled")
        #expect(try first.metric(#"moda_relay_sink_circuit_open{sink="failing"}"#) == 1)
        // An open circuit retries only its probe, on the probe's own backoff (at least 10 ms
        // here), where 4 slots retrying freely would send 4 times as many.
        let before = failing.requests.count
        let started = ContinuousClock.now
        try await Task.sleep(for: .milliseconds(300))
        let during = failing.requests.count - before
        let elapsed = ContinuousClock.now - started
        #expect(Double(during) <= elapsed / .milliseconds(10) + 2)
        let probes = Set(failing.requests.suffix(during).compactMap { $0.header("x-moda-event-id") })
        #expect(probes.count == 1)
        await first.shutdown(keepData: true)

        // Restarted without the "old" route: its spool is an orphan, still on disk.
        let second = try await TestRelay(routes: [TestRelay.fileRoute("archive")], dataDirectory: data)
        let after = Dictionary(
            uniqueKeysWithValues: list(try second.admin("/admin/sinks"), "sinks").map { ($0["name"] as! String, $0) })
        #expect(after["old"]?["state"] as? String == "orphaned")
        #expect(((after["old"]?["spool"] as? [String: Any])?["depth"] as? Int) == 8)
        await second.shutdown()
        await gone.shutdown()
        await failing.shutdown()
    }

    @Test func replayResumesASinkPausedByGone() async throws {
        let status = StatusSwitch(410)
        let server = try await switchableServer(status)
        let relay = try await TestRelay(routes: [httpRoute("hook", server.url)])
        #expect(try relay.post(SignedEvent.body(id: "evt_gone_1")).status == 200)
        #expect(try await eventually { relay.relay.fleet.worker("hook")?.currentStatus.paused != nil })
        #expect(try relay.post(SignedEvent.body(id: "evt_gone_2")).status == 200)
        #expect(try await relay.workerSettles("hook", depth: 1))
        #expect(server.requests.count == 1)  // paused: the second waits
        status.set(200)
        #expect(try relay.admin("POST", "/admin/dead/replay", json: #"{"sink":"hook"}"#).json["replayed"] as? Int == 1)
        #expect(try await eventually { relay.relay.fleet.worker("hook")?.currentStatus.delivered == 2 })
        #expect(relay.relay.fleet.worker("hook")?.currentStatus.paused == nil)
        await relay.shutdown()
        await server.shutdown()
    }

    /// Finding 7: a page of dead letters reads bodies only when asked for, and stops at a byte
    /// budget (8 MiB) whatever `limit` asks, saying where to go on.
    @Test func aPageOfDeadLettersIsBoundedByBytes() async throws {
        let server = try await ScriptedSinkServer { _, _ in .respond(status: 400, body: "no") }
        let relay = try await TestRelay(routes: [httpRoute("strict", server.url, attempts: 1)])
        for index in 0..<12 {
            #expect(try relay.post(SignedEvent.body(id: "evt_big_\(index)", padding: 900_000)).status == 200)
        }
        #expect(try await eventually { relay.relay.fleet.worker("strict")?.currentStatus.deadLetters == 12 })
        let metadata = try relay.admin("/admin/dead?sink=strict&limit=12")
        #expect(list(metadata, "dead").count == 12)
        #expect(metadata.json["truncated"] == nil)
        #expect(metadata.body.utf8.count < 64 << 10)
        let withBodies = try relay.admin("/admin/dead?sink=strict&limit=12&body=1")
        let shown = list(withBodies, "dead")
        #expect(shown.count >= 1 && shown.count < 12)
        #expect(withBodies.json["truncated"] as? Bool == true)
        #expect(withBodies.json["next_offset"] as? Int == shown.count)
        #expect((shown.first?["event"] as? [String: Any])?["id"] as? String == "evt_big_11")
        let next = try relay.admin("/admin/dead?sink=strict&limit=12&body=1&offset=\(shown.count)")
        #expect(list(next, "dead").first?["id"] as? String == "evt_big_\(11 - shown.count)")
        await relay.shutdown()
        await server.shutdown()
    }

    /// Finding 9: two replays of a sink at once (a double click in the console; the CLI and the
    /// console) chose the same letters, and the events went out twice. The second is refused.
    @Test func twoReplaysOfASinkAtOnceSendEachEventOnce() async throws {
        let status = StatusSwitch(400)
        let server = try await switchableServer(status)
        let disk = SimulatedDisk()
        disk.prepareDirectory("/sim")
        let relay = try await TestRelay(
            routes: [httpRoute("strict", server.url, attempts: 1)], dataDirectory: "/sim/data", fileSystem: disk)
        for index in 0..<3 { #expect(try relay.post(SignedEvent.body(id: "evt_twice_\(index)")).status == 200) }
        #expect(try await eventually { relay.relay.fleet.worker("strict")?.currentStatus.deadLetters == 3 })
        status.set(200)
        disk.hold(.sync, pathContains: "/spool/strict/")  // the first replay waits in its commit
        let first = Task.detached { try relay.admin("POST", "/admin/dead/replay", json: #"{"sink":"strict"}"#).status }
        #expect(try await eventually { disk.waitingCalls > 0 })
        let second = try relay.admin("POST", "/admin/dead/replay", json: #"{"sink":"strict"}"#)
        #expect(second.status == 409)
        #expect((second.json["reason"] as? String)?.contains("already running") == true)
        disk.releaseHeld()
        #expect(try await first.value == 200)
        #expect(try await eventually { server.requests.count >= 6 })
        #expect(try await relay.workerSettles("strict"))
        let delivered = server.requests.dropFirst(3).compactMap { $0.header("x-moda-event-id") }
        #expect(delivered.sorted() == ["evt_twice_0", "evt_twice_1", "evt_twice_2"])
        await relay.shutdown()
        await server.shutdown()
    }
}
