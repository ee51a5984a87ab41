import Foundation
import RelayTestSupport
import SimulatedDisk
import Sinks
import Testing

@testable import Ingress
@testable import RelayApp
@testable import RelayConfig
@testable import RelayCore
@testable import RelayDispatch

/// Route reloads against a real relay: atomic, validated as a whole, draining removed routes.
@Suite struct ReloadTests {

    /// A relay whose routes come from `ws.routes`, as `serve` loads them.
    func relay(_ ws: Workspace) async throws -> TestRelay {
        let loaded = RouteLoader.load(directory: ws.routes, environment: [:])
        #expect(loaded.errors.isEmpty)
        return try await TestRelay(
            // These tests reload by hand; the directory watcher (1 s by default) could reload the
            // same files again meanwhile on a loaded machine, and count a second success.
            routes: loaded.routes,
            configure: {
                $0.routesDirectory = ws.routes
                $0.routesWatchInterval = .zero
            }, dataDirectory: ws.data,
            environment: ["HOOK_URL": "http://127.0.0.1:1/unused"])
    }

    func write(_ ws: Workspace, _ name: String, _ text: String) throws {
        try text.replacingOccurrences(of: "$ROOT", with: ws.root)
            .write(toFile: ws.routes + "/" + name, atomically: true, encoding: .utf8)
    }

    /// Whether the worker of `sink` stops within 10 s (reaped here or by the relay's own loop).
    func workerStops(_ relay: TestRelay, _ sink: String) async throws -> Bool {
        for _ in 0..<200 {
            _ = await relay.relay.fleet.reapDrained()
            if relay.relay.fleet.worker(sink) == nil { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    func sinkStates(_ relay: TestRelay) throws -> [String: String] {
        let sinks = try relay.admin("/admin/sinks").json["sinks"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: sinks.map { ($0["name"] as! String, $0["state"] as! String) })
    }

    @Test func aValidSetIsSwappedInAndAnInvalidOneChangesNothing() async throws {
        let ws = try Workspace(routes: ["a.yaml": "sink: file\npath: $ROOT/a.jsonl\n"])
        defer { ws.cleanup() }
        let relay = try await relay(ws)
        #expect(try relay.post(SignedEvent.body(id: "evt_r1")).json["sinks"] as? Int == 1)

        // A new route: its worker starts before the ingress routes to it.
        try write(ws, "b.yaml", "sink: file\npath: $ROOT/b.jsonl\nmatch:\n  type: task.*\n")
        let added = await relay.relay.reloadRoutes(trigger: "test")
        #expect(added.succeeded)
        #expect(added.change?.started == ["b"])
        #expect(try relay.post(SignedEvent.body(id: "evt_r2")).json["sinks"] as? Int == 2)
        #expect(
            try await eventually {
                (try? String(contentsOfFile: ws.root + "/b.jsonl", encoding: .utf8))?.contains("evt_r2") == true
            })

        // An invalid file anywhere refuses the whole set; the old one keeps running.
        try write(ws, "c.yaml", "sink: file\npath: $ROOT/c.jsonl\n")
        try write(ws, "b.yaml", "sink: file\npath: $ROOT/b.jsonl\nretries: 3\n")
        let rejected = await relay.relay.reloadRoutes(trigger: "test")
        #expect(!rejected.succeeded)
        #expect(rejected.errors.count == 1)
        #expect(rejected.errors.first?.description.hasPrefix(ws.routes + "/b.yaml:3:1: unknown key 'retries'") == true)
        #expect(relay.relay.routes.table.routes.map(\.name) == ["a", "b"])
        #expect(try relay.post(SignedEvent.body(id: "evt_r3")).json["sinks"] as? Int == 2)
        #expect(try relay.metric(#"moda_relay_routes_reload_total{result="error"}"#) == 1)
        #expect(try relay.metric("moda_relay_routes_last_reload_successful") == 0)
        let warnings = try relay.admin("/readyz").json["warnings"] as? [String] ?? []
        #expect(warnings.contains { $0.contains("last route reload failed") && $0.contains("b.yaml:") })
        #expect(
            relay.logs.all.contains {
                $0.message.contains("route reload rejected")
                    && $0.metadata["relay.diagnostic"]?.contains("b.yaml:") == true
            })

        // Fixed: accepted; a match-only change keeps b's worker, c starts.
        try write(ws, "b.yaml", "sink: file\npath: $ROOT/b.jsonl\nmatch:\n  type: export.*\n")
        let fixed = await relay.relay.reloadRoutes(trigger: "test")
        #expect(fixed.succeeded)
        #expect(fixed.change?.started == ["c"])
        #expect(fixed.change?.restarted == [])
        #expect(try relay.post(SignedEvent.body(id: "evt_r4")).json["sinks"] as? Int == 2)  // a and c
        #expect(try relay.metric(#"moda_relay_routes_reload_total{result="success"}"#) == 2)
        #expect(try relay.metric("moda_relay_routes_last_reload_successful") == 1)
        #expect(try relay.admin("/readyz").json["warnings"] as? [String] == [])

        // A delivery change restarts the worker; disabling stops it; both show in /admin/sinks.
        try write(ws, "b.yaml", "sink: file\npath: $ROOT/b2.jsonl\n")
        try write(ws, "c.yaml", "sink: http\nurl: ${UNSET_FOR_RELOAD_TEST}\n")
        let changed = await relay.relay.reloadRoutes(trigger: "test")
        #expect(changed.change?.restarted == ["b"])
        #expect(changed.change?.stopped == ["c"])
        #expect(try sinkStates(relay)["c"] == "disabled")
        #expect(try relay.metric(#"moda_relay_routes{state="disabled"}"#) == 1)
        await relay.shutdown()
    }

    @Test func aRemovedRouteDrainsItsSpoolThenStops() async throws {
        let server = try await ScriptedSinkServer { index, _ in
            index < 3 ? .respond(status: 503) : .respond(status: 200)
        }
        let ws = try Workspace(routes: [
            "a.yaml": "sink: file\npath: $ROOT/a.jsonl\n",
            "slow.yaml": "sink: http\nurl: \(server.url)\nretry:\n  backoff: 300ms\n  max_backoff: 300ms\n",
        ])
        defer { ws.cleanup() }
        let relay = try await relay(ws)
        #expect(try relay.post(SignedEvent.body(id: "evt_drain")).json["sinks"] as? Int == 2)
        try FileManager.default.removeItem(atPath: ws.routes + "/slow.yaml")
        let removed = await relay.relay.reloadRoutes(trigger: "test")
        #expect(removed.change?.draining == ["slow"])
        #expect(try sinkStates(relay)["slow"] == "draining")
        // No longer routed, but what it holds is still delivered; then its worker stops (reaped
        // here, or by the relay's maintenance loop, which reaps every second).
        #expect(try relay.post(SignedEvent.body(id: "evt_after")).json["sinks"] as? Int == 1)
        #expect(try await workerStops(relay, "slow"))
        #expect(server.requests.count == 4)
        #expect(try sinkStates(relay)["slow"] == nil)
        #expect(server.requests.compactMap { $0.header("x-moda-event-id") }.allSatisfy { $0 == "evt_drain" })
        await relay.shutdown()
        await server.shutdown()
    }

    /// Finding 4, replay side: a replay into a removed route's spool could land after its
    /// draining worker stopped; it is refused, with what to do instead.
    @Test func aRemovedRouteCannotBeReplayedInto() async throws {
        // The first event dies; the second hangs, so the removed route keeps draining.
        let server = try await ScriptedSinkServer { _, request in
            request.header("x-moda-event-id") == "evt_dies" ? .respond(status: 400) : .hang
        }
        let ws = try Workspace(routes: ["gone.yaml": "sink: http\nurl: \(server.url)\ntimeout: 30s\n"])
        defer { ws.cleanup() }
        let relay = try await relay(ws)
        #expect(try relay.post(SignedEvent.body(id: "evt_dies")).status == 200)
        #expect(try await eventually { relay.relay.fleet.worker("gone")?.currentStatus.deadLetters == 1 })
        #expect(try relay.post(SignedEvent.body(id: "evt_hangs")).status == 200)
        #expect(try await eventually { relay.relay.fleet.worker("gone")?.currentStatus.inFlight == 1 })
        try FileManager.default.removeItem(atPath: ws.routes + "/gone.yaml")
        #expect(await relay.relay.reloadRoutes(trigger: "test").change?.draining == ["gone"])
        let replay = try relay.admin("POST", "/admin/dead/replay", json: #"{"sink":"gone"}"#)
        #expect(replay.status == 409)
        #expect((replay.json["reason"] as? String)?.contains("was removed") == true)
        await relay.shutdown()
        await server.shutdown()
    }

    /// Finding 4: an event routed by the old table whose commit was still waiting (its spool's
    /// fdatasync held by a hung disk) when its route was removed is delivered by the draining
    /// worker, which must not be stopped before: it would land in a spool nobody reads.
    @Test func aCommitHeldWhileItsRouteIsRemovedIsDeliveredBeforeTheWorkerStops() async throws {
        let server = try await ScriptedSinkServer { _, _ in .respond(status: 200) }
        let ws = try Workspace(routes: [
            "keep.yaml": "sink: http\nurl: \(server.url)\n",
            "gone.yaml": "sink: http\nurl: \(server.url)\n",
        ])
        defer { ws.cleanup() }
        let disk = SimulatedDisk()
        disk.prepareDirectory("/sim")
        let loaded = RouteLoader.load(directory: ws.routes, environment: [:])
        // The longest commit timeout: on a loaded machine the steps below can outlast the default 5 s,
        // and the held commit would be answered 503 commit_timeout.
        let relay = try await TestRelay(
            routes: loaded.routes,
            configure: {
                $0.routesDirectory = ws.routes
                $0.commitTimeout = .seconds(20)
            }, dataDirectory: "/sim/data", fileSystem: disk)
        disk.hold(.sync, pathContains: "/spool/gone/")
        let body = SignedEvent.body(id: "evt_held")
        let answer = Task.detached { try relay.post(body).status }
        #expect(try await eventually { disk.waitingCalls > 0 })
        try FileManager.default.removeItem(atPath: ws.routes + "/gone.yaml")
        #expect(await relay.relay.reloadRoutes(trigger: "test").change?.draining == ["gone"])
        #expect(try await relay.workerSettles("gone"))
        #expect(await relay.relay.fleet.reapDrained().isEmpty, "reaped while a commit to it was still waiting")
        #expect(relay.relay.fleet.worker("gone") != nil, "stopped while a commit to it was still waiting")
        disk.releaseHeld()
        #expect(try await answer.value == 200)
        #expect(
            try await eventually {
                server.requests.filter { $0.header("x-moda-event-id") == "evt_held" }.count == 2
            })
        #expect(try await workerStops(relay, "gone"))
        await relay.shutdown()
        await server.shutdown()
    }
}
