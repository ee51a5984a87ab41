import Foundation
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
}
