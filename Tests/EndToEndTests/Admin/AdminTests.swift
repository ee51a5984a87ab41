import Foundation
import RelayConfig
import RelayTestSupport
import Testing

@testable import Ingress

@Suite struct AdminTests {
    @Test func healthReadinessAndMetrics() async throws {
        let relay = try await TestRelay(routes: [
            TestRelay.fileRoute("archive"), TestRelay.fileRoute("slack-off", enabled: false),
        ])
        #expect(try relay.admin("/healthz").status == 200)
        let ready = try relay.admin("/readyz")
        #expect(ready.status == 200)
        #expect((ready.json["warnings"] as? [String])?.contains("route 'slack-off' is disabled") == true)
        _ = try relay.post(SignedEvent.body(id: "evt_admin"))
        let metrics = try relay.admin("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(metrics.body.contains("# HELP moda_relay_ingress_requests_total"))
        #expect(metrics.body.contains("# TYPE moda_relay_ingress_ack_duration_seconds histogram"))
        #expect(try relay.metric(#"moda_relay_routes{state="enabled"}"#) == 1)
        #expect(try relay.metric(#"moda_relay_routes{state="disabled"}"#) == 1)
        #expect((try relay.metric(#"moda_relay_spool_bytes{sink="archive"}"#) ?? 0) > 100)
        #expect(try relay.admin("/nope").status == 404)
        // The admin endpoints are not on the public ingress.
        let connection = try RawConnection(port: relay.port)
        try connection.request(method: "GET", path: "/metrics")
        #expect(try connection.readResponse().status == 404)
        await relay.shutdown()
    }

    /// As root (CI) permission bits do not stop writes, so the spool directory is made unwritable
    /// for real: a read-only bind mount over it. Otherwise its mode is taken away.
    @Test func readinessFailsWhenTheSpoolIsNotWritable() async throws {
        let relay = try await TestRelay()
        #expect(try relay.admin("/readyz").status == 200)
        let spool = relay.dataDirectory + "/spool"
        let restore: () -> Void
        if SmallFilesystem.isAvailable {
            restore = try SmallFilesystem.bindReadOnly(spool)
        } else {
            chmod(spool, 0o500)
            restore = { chmod(spool, 0o700) }
        }
        let ready = try relay.admin("/readyz")
        restore()
        #expect(ready.status == 503)
        #expect((ready.json["reasons"] as? [String])?.contains { $0.contains("\(spool) is not writable") } == true)
        #expect(try relay.admin("/readyz").status == 200)
        await relay.shutdown()
    }

    /// Finding 9: /readyz needs no token (a balancer probes it), so without one it shows only the
    /// status and reason codes; paths, errors and diagnostics need the token.
    @Test func readinessShowsDetailsOnlyWithTheToken() async throws {
        let relay = try await TestRelay(
            routes: [TestRelay.fileRoute("archive"), TestRelay.fileRoute("slack-off", enabled: false)],
            configure: { $0.spoolMaxBytes = 2000 }, adminToken: "s3cr3t-admin-token")
        #expect(try relay.post(SignedEvent.body(id: "evt_too_big", padding: 3000)).status == 503)
        let anonymous = try relay.admin("GET", "/readyz")
        #expect(anonymous.status == 503)
        #expect(anonymous.json["reasons"] as? [String] == ["spool_full"])
        #expect(anonymous.json["warnings"] as? [String] == ["route_disabled"])
        #expect(!anonymous.body.contains("archive") && !anonymous.body.contains(relay.dataDirectory))
        let wrong = try relay.admin("GET", "/readyz", token: "not-the-token")
        #expect(wrong.json["reasons"] as? [String] == ["spool_full"])
        let detailed = try relay.admin("GET", "/readyz", token: "s3cr3t-admin-token")
        #expect(detailed.status == 503)
        #expect((detailed.json["reasons"] as? [String])?.first?.contains("sink 'archive'") == true)
        #expect(detailed.json["reason_codes"] as? [String] == ["spool_full"])
        #expect((detailed.json["warnings"] as? [String]) == ["route 'slack-off' is disabled"])
        await relay.shutdown()
    }
}
