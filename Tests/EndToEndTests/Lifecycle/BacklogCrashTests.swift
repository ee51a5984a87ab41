import Foundation
import RelayTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Invariant 5 across a crash: events accepted while their sink is down are delivered after a
/// `kill -9` and a restart with the sink up.
@Suite struct BacklogCrashTests {
    @Test func backlogIsDeliveredAfterKillDashNine() async throws {
        // The sink is down: its port is held by a socket that is bound but not listening, so
        // connections are refused and no other process (the relay itself included) can take it.
        // The port is below the kernel's ephemeral range (see LowPort).
        let reserved = try LowPort()
        let port = reserved.port
        let ws = try Workspace(routes: [
            "forward.yaml":
                "sink: http\nurl: http://127.0.0.1:\(port)/hook\nretry: {max_attempts: 1000, backoff: 100ms, max_backoff: 200ms}\n"
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

        reserved.release()
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
