import Foundation
import RelayTestSupport
import Testing

/// Invariant 5 across a crash: events accepted while their sink is down are delivered after a
/// `kill -9` and a restart with the sink up.
@Suite struct BacklogCrashTests {
    @Test func backlogIsDeliveredAfterKillDashNine() async throws {
        // Find a free port for the sink, then leave it closed: the sink is down.
        let probe = try await ScriptedSinkServer { _, _ in .respond(status: 200) }
        let port = probe.port
        await probe.shutdown()
        let ws = try Workspace(routes: [
            "forward.yaml":
                "sink: http\nurl: http://127.0.0.1:\(port)/hook\nretry: {backoff: 100ms, max_backoff: 200ms}\n"
        ])
        defer { ws.cleanup() }
        let arguments = [
            "serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--routes", ws.routes, "--data-dir",
            ws.data,
        ]
        let env = ["MODA_WEBHOOK_SECRET": SignedEvent.secret]
        let first = try RelayProcess(arguments: arguments, environment: env)
        try await first.waitUntilListening()
        let connection = try RawConnection(port: first.port)
        let ids = (0..<25).map { "evt_backlog_\($0)" }
        for id in ids {
            let body = SignedEvent.body(id: id)
            try connection.request(headers: SignedEvent.headers(body: body), body: body)
            #expect(try connection.readResponse().status == 200)
        }
        try await Task.sleep(for: .milliseconds(300))
        first.kill9()

        let sink = try await ScriptedSinkServer(port: port) { _, _ in .respond(status: 200) }
        let second = try RelayProcess(arguments: arguments, environment: env)
        try await second.waitUntilListening()
        let deadline = ContinuousClock.now + .seconds(15)
        while Set(sink.requests.compactMap { $0.header("x-moda-event-id") }).count < ids.count,
            ContinuousClock.now < deadline
        {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(Set(sink.requests.compactMap { $0.header("x-moda-event-id") }) == Set(ids))
        kill(second.process.processIdentifier, SIGTERM)
        #expect(try await second.waitForExit() == 0)
        await sink.shutdown()
    }
}
