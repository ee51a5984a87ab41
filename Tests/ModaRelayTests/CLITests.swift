import Foundation
import RelayTestSupport
import Testing

/// The command line as a user meets it: `serve` refusing to start, `check`, graceful stop.
@Suite struct CLITests {
    @Test func serveRefusesToStartWithoutASecret() throws {
        let ws = try Workspace(routes: ["archive.yaml": "sink: file\npath: $ROOT/a.jsonl\n"])
        defer { ws.cleanup() }
        let (status, _, stderr) = try RelayProcess.run(
            [
                "serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--routes", ws.routes,
                "--data-dir", ws.data,
            ])
        #expect(status != 0)
        let lines = stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("MODA_WEBHOOK_SECRET") == true)
    }

    /// Hardening finding 14: a comma typo made a 1-byte key that can be brute-forced.
    @Test func serveRefusesAShortSecretNamingWhereItIsButNotWhatItIs() throws {
        let ws = try Workspace(routes: ["archive.yaml": "sink: file\npath: $ROOT/a.jsonl\n"])
        defer { ws.cleanup() }
        let arguments = [
            "serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--routes", ws.routes,
            "--data-dir", ws.data,
        ]
        let (status, _, stderr) = try RelayProcess.run(
            arguments, environment: ["MODA_WEBHOOK_SECRET": SignedEvent.secret + ",qz"])
        #expect(status == 1)
        #expect(stderr.contains("MODA_WEBHOOK_SECRET entry 2 of 2 is 2 byte(s)"), "\(stderr)")
        #expect(!stderr.contains("qz"))
        try "# rotation\n\(SignedEvent.secret)\nshort-one\n".write(
            toFile: ws.root + "/secrets", atomically: false, encoding: .utf8)
        let (fileStatus, _, fileErr) = try RelayProcess.run(arguments + ["--secret-file", ws.root + "/secrets"])
        #expect(fileStatus == 1)
        #expect(fileErr.contains("\(ws.root)/secrets:3 is 9 byte(s)"), "\(fileErr)")
        #expect(!fileErr.contains("short-one"))
    }

    @Test func serveRefusesToStartWithAnInvalidRoute() throws {
        let ws = try Workspace(routes: ["bad.yaml": "sink: file\npath: $ROOT/a.jsonl\nretries: 3\n"])
        defer { ws.cleanup() }
        let (status, _, stderr) = try RelayProcess.run(
            [
                "serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--routes", ws.routes,
                "--data-dir", ws.data,
            ],
            environment: ["MODA_WEBHOOK_SECRET": SignedEvent.secret])
        #expect(status != 0)
        #expect(stderr.contains("bad.yaml:3:1: unknown key 'retries'"))
    }

    @Test func checkPrintsPositionsAndExitCodes() throws {
        let ws = try Workspace(routes: [
            "good.yaml": "sink: file\npath: $ROOT/a.jsonl\n",
            "slack.yaml": "sink: slack\nurl: ${SLACK_WEBHOOK_URL}\n",
            "bad.yaml": "sink: http\nurl: https://x.example\ntimeout: forever\n",
        ])
        defer { ws.cleanup() }
        let (status, stdout, _) = try RelayProcess.run(["check", "--routes", ws.routes])
        #expect(status == 1)
        let lines = stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.contains(
                "\(ws.routes)/bad.yaml:3:10: 'timeout' must be a positive duration like 250ms, 1s, 10m or 24h, got 'forever'"
            ))
        #expect(lines.contains { $0.hasPrefix("\(ws.routes)/slack.yaml:2:6: warning:") })
        try FileManager.default.removeItem(atPath: ws.routes + "/bad.yaml")
        let (okStatus, _, _) = try RelayProcess.run(["check", "--routes", ws.routes])
        #expect(okStatus == 0)
    }

    /// `check` makes the checks between settings that `serve` makes, so a public admin listener
    /// without a token fails in CI, not at deploy.
    @Test func checkRefusesWhatServeRefuses() throws {
        let ws = try Workspace(routes: ["archive.yaml": "sink: file\npath: $ROOT/a.jsonl\n"])
        defer { ws.cleanup() }
        try "admin_listen: 0.0.0.0:9090\n".write(toFile: ws.root + "/relay.yaml", atomically: true, encoding: .utf8)
        let (status, stdout, _) = try RelayProcess.run([
            "check", "--config", ws.root + "/relay.yaml", "--routes", ws.routes,
        ])
        #expect(status == 1)
        #expect(stdout.contains(ws.root + "/relay.yaml:1:1: admin_listen 0.0.0.0:9090 is reachable from other hosts"))
        let (serveStatus, _, stderr) = try RelayProcess.run(
            ["serve", "--config", ws.root + "/relay.yaml", "--routes", ws.routes, "--data-dir", ws.data],
            environment: ["MODA_WEBHOOK_SECRET": "whsec_0123456789abcdef0123"])
        #expect(serveStatus == 1)
        #expect(stderr.contains("admin_listen 0.0.0.0:9090 is reachable from other hosts"))
    }

    /// Finding 3: a cap its newest segment alone could fill is refused before it can wedge a sink.
    @Test func checkAndServeRefuseASpoolCapBelowTwoSegments() throws {
        let ws = try Workspace(routes: ["archive.yaml": "sink: file\npath: $ROOT/a.jsonl\n"])
        defer { ws.cleanup() }
        try "spool_max_bytes: 100MiB\n".write(toFile: ws.root + "/relay.yaml", atomically: true, encoding: .utf8)
        let (status, stdout, _) = try RelayProcess.run([
            "check", "--config", ws.root + "/relay.yaml", "--routes", ws.routes,
        ])
        #expect(status == 1)
        #expect(stdout.contains("spool_max_bytes (104857600 bytes) must be at least twice segment_bytes (67108864"))
        let (serveStatus, _, stderr) = try RelayProcess.run(
            ["serve", "--config", ws.root + "/relay.yaml", "--routes", ws.routes, "--data-dir", ws.data],
            environment: ["MODA_WEBHOOK_SECRET": "whsec_0123456789abcdef0123"])
        #expect(serveStatus == 1)
        #expect(stderr.contains("must be at least twice segment_bytes"))
    }

    @Test func shippedRoutesPassCheck() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let (status, stdout, _) = try RelayProcess.run([
            "check", "--routes", root.appendingPathComponent("routes").path,
        ])
        #expect(status == 0, "\(stdout)")
    }

    @Test func sigtermStopsGracefully() async throws {
        let ws = try Workspace(routes: ["archive.yaml": "sink: file\npath: $ROOT/a.jsonl\n"])
        defer { ws.cleanup() }
        let relay = try RelayProcess(
            arguments: ws.serveArguments, environment: ["MODA_WEBHOOK_SECRET": SignedEvent.secret])
        try await relay.waitUntilListening()
        let body = SignedEvent.body(id: "evt_cli")
        let connection = try RawConnection(port: relay.port)
        try connection.request(headers: SignedEvent.headers(body: body), body: body)
        #expect(try connection.readResponse().status == 200)
        kill(relay.process.processIdentifier, SIGTERM)
        #expect(try await relay.waitForExit() == 0)
        #expect(relay.stderr.contains { $0.contains("relay stopped") })
    }
}
