import Foundation
import RelayConfig
import RelayTestSupport
import Sinks
import Synchronization
import Testing

@testable import Ingress
@testable import RelayCore

/// Finding 3 and invariant 11: a spool at `spool_max_bytes` shows in `/readyz` and a metric, and
/// heals by itself once its events are delivered, even when its newest segment alone fills it.
@Suite struct SpoolCapTests {
    @Test(arguments: [2 << 10, 64 << 20])
    func aFullSpoolIsNotReadyAndHealsOnceDelivered(segmentBytes: Int) async throws {
        let sinkStatus = DiskFullTests.Switch()
        let server = try await ScriptedSinkServer { _, _ in .respond(status: sinkStatus.value) }
        let route = Route(
            name: "forward", sink: HTTPSinkSettings(url: server.url, headers: []),
            retry: try RetryPolicy(
                maxAttempts: 1000, initialBackoff: .milliseconds(20), maximumBackoff: .milliseconds(50),
                maxAge: .seconds(3600)),
            timeout: .seconds(2), concurrency: 8)
        // 64 MiB segments under a 12 KiB cap: every event stays in the tail segment, which is
        // never deleted while it is the tail.
        let relay = try await TestRelay(routes: [route]) {
            $0.segmentBytes = segmentBytes
            $0.spoolMaxBytes = 12 << 10
        }
        var acknowledged: [String] = []
        var refusal: RawConnection.Response?
        for index in 0..<1000 {
            let id = "evt_cap_\(index)"
            let answer = try relay.post(SignedEvent.body(id: id, padding: 500))
            guard answer.status == 200 else {
                refusal = answer
                break
            }
            acknowledged.append(id)
        }
        let refused = try #require(refusal, "the spool never filled up")
        #expect(refused.status == 503)
        #expect((refused.json["reason"] as? String)?.contains("spool is full") == true)
        let readiness = try relay.admin("/readyz")
        #expect(readiness.status == 503, "a full spool left /readyz at \(readiness.status)")
        #expect(readiness.body.contains("forward"))
        #expect(try relay.metric(#"moda_relay_spool_full{sink="forward"}"#) == 1)

        sinkStatus.set(200)
        let wanted = Set(acknowledged)
        #expect(
            try await eventually(.seconds(30)) {
                wanted.isSubset(of: Set(server.requests.compactMap { $0.header("x-moda-event-id") }))
            })
        var accepted = false
        for attempt in 0..<300 where !accepted {
            accepted = try relay.post(SignedEvent.body(id: "evt_after_cap_\(attempt)", padding: 500)).status == 200
            if !accepted { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(accepted, "the spool still refuses after its events were delivered")
        #expect(try await eventually { try relay.admin("/readyz").status == 200 })
        #expect(try relay.metric(#"moda_relay_spool_full{sink="forward"}"#) == 0)
        await relay.shutdown()
    }
}
