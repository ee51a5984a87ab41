import Foundation
import RelayConfig
import RelayTestSupport
import SimulatedDisk
import Sinks
import Testing

@testable import Ingress
@testable import RelayCore

/// Finding 8 and invariant 11: a commit that does not complete (a disk whose fdatasync hangs) is
/// answered 503 well inside Moda's 30 s, shows in /readyz and a metric, and heals by itself.
@Suite struct StuckCommitTests {
    @Test func aHungDiskGets503InTimeAndIsNotReadyUntilItCompletes() async throws {
        let disk = SimulatedDisk()
        disk.prepareDirectory("/sim")
        let server = try await ScriptedSinkServer { _, _ in .respond(status: 200) }
        let route = Route(name: "forward", sink: HTTPSinkSettings(url: server.url, headers: []))
        let relay = try await TestRelay(
            routes: [route], configure: { $0.commitTimeout = .milliseconds(400) }, dataDirectory: "/sim/data",
            fileSystem: disk)
        #expect(try relay.post(SignedEvent.body(id: "evt_before")).status == 200)
        disk.hold(.sync, pathContains: "/spool/")

        let started = ContinuousClock.now
        let answer = try relay.post(SignedEvent.body(id: "evt_stuck"))
        let waited = ContinuousClock.now - started
        #expect(answer.status == 503)
        #expect((answer.json["reason"] as? String)?.contains("commit timeout") == true)
        #expect(waited >= .milliseconds(400) && waited < .seconds(10), "answered after \(waited)")
        #expect(try relay.metric(#"moda_relay_ingress_requests_total{outcome="commit_timeout"}"#) == 1)
        let readiness = try relay.admin("/readyz")
        #expect(readiness.status == 503)
        #expect(readiness.body.contains("a commit has run for"))
        #expect(try relay.metric("moda_relay_spool_commit_running_seconds") ?? 0 >= 0.4)

        // The disk completes: readiness comes back by itself, and Moda's retry finds the event
        // stored (the held commit landed), so it is a duplicate, never stored twice.
        disk.releaseHeld()
        #expect(try await eventually { try relay.admin("/readyz").status == 200 })
        let retry = try relay.post(SignedEvent.body(id: "evt_stuck"))
        #expect(retry.status == 200)
        #expect(retry.json["duplicate"] as? Bool == true)
        await relay.shutdown()
        await server.shutdown()
    }
}
