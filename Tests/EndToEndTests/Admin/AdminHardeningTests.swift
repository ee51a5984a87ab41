import Foundation
import RelayConfig
import RelayTestSupport
import Testing

@testable import Ingress

/// Hostile input to the admin listener: the process must answer, never trap.
@Suite struct AdminHardeningTests {
    /// Finding 1: this GET trapped on an `Int64` overflow, with no token needed.
    @Test func hugeTimesAreRefusedWithAReasonAndTheRelayKeepsAnswering() async throws {
        let relay = try await TestRelay()
        for query in ["since=9223372036854776", "until=9223372036854775807", "since=99999999999999999999999"] {
            let answer = try relay.admin("/admin/dead?\(query)")
            #expect(answer.status == 400, "\(query)")
            #expect((answer.json["reason"] as? String)?.contains("RFC 3339") == true)
        }
        for body in [
            #"{"sink":"archive","since":9223372036854776}"#, #"{"sink":"archive","until":"9223372036854776"}"#,
            #"{"sink":"archive","since":1e300}"#,
        ] {
            let answer = try relay.admin("POST", "/admin/dead/replay", json: body)
            #expect(answer.status == 400, "\(body)")
        }
        #expect(try relay.admin("/healthz").status == 200)
        await relay.shutdown()
    }
}

/// Hardening finding 8: the admin listener against slow clients, browsers and long tokens.
@Suite struct AdminListenerTests {
    @Test func aHeadWithoutItsEndNoLongerHoldsASlot() async throws {
        let relay = try await TestRelay {
            $0.headerTimeout = .milliseconds(300)
            $0.requestTimeout = .milliseconds(300)
        }
        let stuck = try RawConnection(port: relay.adminPort)
        try stuck.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  // never finished
        #expect(stuck.isClosedByPeer())
        let slow = try RawConnection(port: relay.adminPort)
        try slow.send("POST /admin/dead/replay HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n{")
        #expect(try slow.readResponse().status == 408)
        #expect(try relay.metric(#"moda_relay_admin_requests_total{endpoint="other",code="408"}"#) == 2)
        // 64 silent connections are all let go: /healthz answers afterwards.
        let held = try (0..<64).map { _ in try RawConnection(port: relay.adminPort) }
        for connection in held { #expect(connection.isClosedByPeer()) }
        #expect(try relay.admin("/healthz").status == 200)
        await relay.shutdown()
    }

    @Test func browsersCannotDriveIt() async throws {
        let relay = try await TestRelay()
        // DNS rebinding: the page's own name in Host.
        let rebound = try RawConnection(port: relay.adminPort)
        try rebound.send("GET /admin/dead?body=true HTTP/1.1\r\nHost: evil.example:9090\r\n\r\n")
        let refused = try rebound.readResponse()
        #expect(refused.status == 403)
        #expect((refused.json["reason"] as? String)?.contains("admin_hosts") == true)
        for host in ["127.0.0.1:9090", "localhost", "[::1]:9090", "10.1.2.3"] {
            let connection = try RawConnection(port: relay.adminPort)
            try connection.send("GET /healthz HTTP/1.1\r\nHost: \(host)\r\n\r\n")
            #expect(try connection.readResponse().status == 200, "\(host)")
        }
        // A cross-site "simple" POST (text/plain) is refused; JSON works.
        let form = try RawConnection(port: relay.adminPort)
        let body = #"{"sink":"archive"}"#
        try form.send(
            "POST /admin/dead/replay HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
        #expect(try form.readResponse().status == 415)
        #expect(try relay.admin("POST", "/admin/dead/replay", json: body).status == 200)
        #expect(try relay.metric(#"moda_relay_admin_requests_total{endpoint="replay",code="415"}"#) == 1)
        await relay.shutdown()
    }

    @Test func configuredNamesAreAllowed() async throws {
        let relay = try await TestRelay { $0.adminHosts = ["relay.internal"] }
        let connection = try RawConnection(port: relay.adminPort)
        try connection.send("GET /healthz HTTP/1.1\r\nHost: relay.internal:9090\r\n\r\n")
        #expect(try connection.readResponse().status == 200)
        await relay.shutdown()
    }

    /// The token's length was compared through a truncating `UInt8`: the right token followed by
    /// 256 more bytes passed.
    @Test func aTokenWithExtraBytesIsRefused() async throws {
        let relay = try await TestRelay(adminToken: "s3cret-token")
        #expect(try relay.admin("GET", "/admin/sinks", token: "s3cret-token").status == 200)
        let padded = "s3cret-token" + String(repeating: "x", count: 256)
        #expect(try relay.admin("GET", "/admin/sinks", token: padded).status == 401)
        #expect(try relay.admin("GET", "/admin/sinks", token: "s3cret-toke").status == 401)
        await relay.shutdown()
    }

    @Test func aPublicAdminListenerNeedsAToken() throws {
        let ws = try Workspace(routes: ["archive.yaml": "sink: file\npath: $ROOT/a.jsonl\n"])
        defer { ws.cleanup() }
        let (status, _, stderr) = try RelayProcess.run(
            [
                "serve", "--listen", "127.0.0.1:0", "--admin-listen", "0.0.0.0:0", "--routes", ws.routes,
                "--data-dir", ws.data,
            ], environment: ["MODA_WEBHOOK_SECRET": SignedEvent.secret])
        #expect(status == 1)
        #expect(stderr.contains("admin_listen 0.0.0.0:0 is reachable from other hosts"), "\(stderr)")
    }
}
