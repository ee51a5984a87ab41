import Foundation
import RelayDispatch
import RelayTestSupport
import Sinks
import Testing

@testable import Ingress
@testable import RelayApp
@testable import RelayConfig
@testable import RelayCore

/// The ops/ bundle against the real relay: its /metrics passes promtool, and the alerts and
/// the dashboard use only metric names the relay exports.
@Suite struct OpsBundleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// A relay (in cluster mode, so the store's families exist too) that has done a bit of
    /// everything, so every metric family exists.
    func busyRelay() async throws -> (TestRelay, ScriptedSinkServer) {
        let server = try await ScriptedSinkServer { index, _ in
            index == 0 ? .respond(status: 400) : .respond(status: 200)
        }
        let store = PostgresServer.shared.url(database: try PostgresServer.shared.createDatabase())
        let relay = try await TestRelay(
            routes: [
                TestRelay.fileRoute("archive"),
                Route(name: "forward", sink: HTTPSinkSettings(url: server.url, headers: [])),
            ],
            configure: {
                $0.spoolMaxBytes = 4096
                $0.routesDirectory = "/nonexistent/moda-relay-routes"
                $0.postgresURL = try! PostgresURL(parsing: store)
            }, adminToken: "t")
        for n in 0..<3 { _ = try relay.post(SignedEvent.body(id: "evt_ops_\(n)")) }
        _ = try relay.post(SignedEvent.body(id: "evt_ops_unknown", type: "task.exploded"))
        _ = try relay.post(SignedEvent.body(id: "evt_ops_big", padding: 3000))  // over the spool cap: 503
        _ = try relay.post(SignedEvent.body(id: "evt_ops_bad"), headers: SignedEvent.headers(body: [1], secret: "x"))
        _ = try relay.admin("/admin/sinks")
        // The routes directory is missing: a rejected reload, counted.
        #expect(await relay.relay.reloadRoutes(trigger: "test").succeeded == false)
        _ = relay.relay.reloadTLS()
        #expect(try await eventually { relay.relay.fleet.worker("forward")?.currentStatus.delivered == 3 })
        return (relay, server)
    }

    @Test func metricsPassPromtool() async throws {
        let (relay, server) = try await busyRelay()
        let text = try relay.admin("/metrics").body
        await relay.shutdown()
        await server.shutdown()
        let promtool = "/usr/bin/promtool"
        try #require(
            FileManager.default.isExecutableFile(atPath: promtool),
            "promtool is missing: run ops/install-deps --test (Debian package prometheus)")
        let finished = try ChildProcess.run(promtool, ["check", "metrics"], input: Array(text.utf8))
        let report = finished.standardOutput + finished.standardError
        #expect(finished.status == 0, "\(report)")
        #expect(report.isEmpty, "promtool lint: \(report)")
    }

    @Test func alertsAndDashboardUseOnlyExportedMetrics() async throws {
        let (relay, server) = try await busyRelay()
        let text = try relay.admin("/metrics").body
        await relay.shutdown()
        await server.shutdown()
        var exported: Set<String> = []
        for line in text.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            let name = String(parts[2])
            exported.insert(name)
            if parts[3] == "histogram" {
                for suffix in ["_bucket", "_sum", "_count"] { exported.insert(name + suffix) }
            }
        }
        #expect(exported.contains("moda_relay_spool_commit_failures_total"))
        #expect(exported.contains("moda_relay_unknown_event_types_total"))
        for file in ["ops/prometheus/alerts.yml", "ops/grafana/moda-relay.json", "ops/prometheus/alerts_test.yml"] {
            let content = try String(contentsOfFile: Self.root + "/" + file, encoding: .utf8)
            let used = Set(content.matches(of: /moda_relay_[a-z_]*[a-z]/).map { String($0.output) })
            #expect(!used.isEmpty)
            let unknown = used.subtracting(exported)
            #expect(unknown.isEmpty, "\(file) uses metrics the relay does not export: \(unknown.sorted())")
        }
    }

    @Test func theExampleConfigLoadsAndCheckValidatesConfigs() throws {
        var settings = RelaySettings()
        let problems = RelaySettings.load(file: Self.root + "/ops/systemd/relay.yaml", into: &settings)
        #expect(problems.isEmpty, "\(problems)")
        #expect(settings.tlsCertificateFile == "/etc/moda-relay/tls/fullchain.pem")
        #expect(settings.adminTokenFile == "/etc/moda-relay/admin-token")
        #expect(settings.logFormat == .json)
        #expect(settings.listen == HostPort(host: "0.0.0.0", port: 443))

        let (ok, _, _) = try RelayProcess.run([
            "check", "--config", Self.root + "/ops/systemd/relay.yaml", "--routes", Self.root + "/routes",
        ])
        #expect(ok == 0)
        let ws = try Workspace(routes: [:])
        defer { ws.cleanup() }
        try "listen: 0.0.0.0:443\ntls_cert: /x.pem\nlog_format: xml\nroutes_watch_interval: off\nshutdown_delay: soon\n"
            .write(
                toFile: ws.root + "/relay.yaml", atomically: false, encoding: .utf8)
        let (bad, out, _) = try RelayProcess.run(["check", "--config", ws.root + "/relay.yaml", "--routes", ws.routes])
        #expect(bad == 1)
        #expect(out.contains(ws.root + "/relay.yaml:3:13: 'log_format' must be text or json, got 'xml'"))
        #expect(out.contains("'tls_cert' and 'tls_key' go together"))
        #expect(
            out.contains(
                ws.root
                    + "/relay.yaml:5:17: 'shutdown_delay' must be a duration like 500ms, 5s or 1m, or off; got 'soon'"))
        #expect(!out.contains("routes_watch_interval"))
    }
}
