import Foundation
import RelayConfig
import RelayTestSupport
import Sinks
import Synchronization
import Testing

@testable import Ingress
@testable import RelayCore

/// Hardening finding 2 and invariant 8: a full disk recovers by itself once delivery frees
/// room. A real tmpfs is filled by real requests while the sink is down.
@Suite(.serialized, .enabled(if: SmallFilesystem.isAvailable, "mounting a tmpfs needs root (CI runs as root)"))
struct DiskFullTests {
    final class Switch: Sendable {
        private let code = Mutex(503)
        var value: Int { code.withLock { $0 } }
        func set(_ value: Int) { code.withLock { $0 = value } }
    }

    /// With the default 64 MiB segments everything lives in the tail segment; with small
    /// segments most of it is in segments behind the tail. Both must free themselves.
    @Test(arguments: [64 << 20, 48 << 10])
    func aFullDiskRecoversByItselfOnceTheBacklogIsDelivered(segmentBytes: Int) async throws {
        let disk = try SmallFilesystem(megabytes: 2)
        defer { disk.unmount() }
        let sinkStatus = Switch()
        let server = try await ScriptedSinkServer { _, _ in .respond(status: sinkStatus.value) }
        let route = Route(
            name: "forward", sink: HTTPSinkSettings(url: server.url, headers: []),
            retry: try RetryPolicy(
                maxAttempts: 1000, initialBackoff: .milliseconds(20), maximumBackoff: .milliseconds(50),
                maxAge: .seconds(3600)),
            timeout: .seconds(2), concurrency: 8)
        let relay = try await TestRelay(
            routes: [route], configure: { $0.segmentBytes = segmentBytes }, dataDirectory: disk.path + "/data")

        // Fill the disk while the sink is down, until the relay refuses with 503.
        var acknowledged: [String] = []
        var refusal: RawConnection.Response?
        let connection = try RawConnection(port: relay.port)
        for index in 0..<20_000 {
            let id = "evt_full_\(index)"
            let body = SignedEvent.body(id: id, padding: 900)
            try connection.request(headers: SignedEvent.headers(body: body), body: body)
            let answer = try connection.readResponse()
            if answer.status == 200 {
                acknowledged.append(id)
            } else {
                refusal = answer
                break
            }
        }
        let refused = try #require(refusal, "the disk never filled up")
        #expect(refused.status == 503)
        #expect((refused.json["reason"] as? String)?.contains("disk is full") == true)
        #expect(acknowledged.count > 500)
        let readiness = try relay.admin("/readyz")
        #expect(readiness.status == 503)
        #expect(readiness.body.contains("No space left on device"))
        #expect(try relay.metric(#"moda_relay_spool_commit_failures_total{code="disk_full"}"#) ?? 0 >= 1)

        // The sink comes back: the whole backlog is delivered, with no restart.
        sinkStatus.set(200)
        let wanted = Set(acknowledged)
        let delivered = try await eventually(.seconds(60)) {
            wanted.isSubset(of: Set(server.requests.compactMap { $0.header("x-moda-event-id") }))
        }
        #expect(delivered, "not every acknowledged event reached the sink")

        // New events are accepted again, and the relay is ready again, without a restart.
        var accepted = false
        let deadline = ContinuousClock.now + .seconds(30)
        var attempt = 0
        while !accepted, ContinuousClock.now < deadline {
            let body = SignedEvent.body(id: "evt_after_full_\(attempt)", padding: 900)
            attempt += 1
            accepted = try relay.post(body).status == 200
            if !accepted { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(accepted, "still refusing after the backlog was delivered; free: \(disk.freeBytes) bytes")
        #expect(try await eventually(.seconds(10)) { try relay.admin("/readyz").status == 200 })
        await relay.shutdown()
        await server.shutdown()
    }
}
