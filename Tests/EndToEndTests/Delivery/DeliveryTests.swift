import Foundation
import RelayTestSupport
import Sinks
import Synchronization
import Testing

@testable import Ingress
@testable import RelayApp
@testable import RelayCore
@testable import RelayDispatch
@testable import Spool

/// Delivery from the spools to real sink servers on 127.0.0.1.
@Suite struct DeliveryTests {

    func httpRoute(_ name: String, _ url: String, retry: RetryPolicy = RetryPolicy(), timeout: Duration = .seconds(5))
        -> Route
    {
        Route(
            name: name, sink: HTTPSinkSettings(url: url, headers: [("X-Team", "platform")]), retry: retry,
            timeout: timeout)
    }

    @Test func httpSinkReceivesEveryEventByteForByte() async throws {
        let server = try await ScriptedSinkServer { _, _ in .respond(status: 200) }
        let relay = try await TestRelay(routes: [httpRoute("forward", server.url)])
        let bodies = (0..<20).map { SignedEvent.body(id: "evt_http_\($0)") }
        for body in bodies { #expect(try relay.post(body).status == 200) }
        #expect(try await eventually { server.requests.count >= 20 })
        #expect(Set(server.requests.map(\.body)) == Set(bodies))
        #expect(
            Set(server.requests.compactMap { $0.header("x-moda-event-id") }) == Set((0..<20).map { "evt_http_\($0)" }))
        #expect(
            server.requests.allSatisfy {
                $0.header("x-team") == "platform" && $0.header("content-type") == "application/json"
            })
        #expect(try await eventually { relay.relay.fleet.worker("forward")?.currentStatus.delivered == 20 })
        #expect(try await eventually { try relay.metric(#"moda_relay_spool_depth{sink="forward"}"#) == 0 })
        #expect(try relay.metric(#"moda_relay_delivery_attempts_total{sink="forward",outcome="delivered"}"#) == 20)
        #expect(try relay.metric(#"moda_relay_delivery_end_to_end_seconds_count{sink="forward"}"#) == 20)
        #expect(try relay.metric(#"moda_relay_sink_circuit_open{sink="forward"}"#) == 0)
        await relay.shutdown()
        await server.shutdown()
    }

    @Test func slackGetsTheRenderedEscapedText() async throws {
        let server = try await ScriptedSinkServer { _, _ in .respond(status: 200, body: "ok") }
        let templates = TemplatesByType(byType: [
            (Glob("task.succeeded"), try Template("Weekly deck ready: {{data.result.canvas_url}} <{{data.id}}>"))
        ])
        let relay = try await TestRelay(routes: [
            Route(name: "slack", sink: SlackSinkSettings(url: server.url, templates: templates))
        ])
        #expect(try relay.post(SignedEvent.body(id: "evt_slack")).status == 200)
        #expect(try await eventually { server.requests.count == 1 })
        let json = try JSONSerialization.jsonObject(with: Data(server.requests[0].body)) as? [String: String]
        #expect(json == ["text": "Weekly deck ready: https://moda.app/c/evt_slack <task_evt_slack>"])
        await relay.shutdown()
        await server.shutdown()
    }

    @Test func fileSinkAppendsOneLinePerEvent() async throws {
        let relay = try await TestRelay(routes: [TestRelay.fileRoute("audit")])
        for index in 0..<5 { _ = try relay.post(SignedEvent.body(id: "evt_file_\(index)")) }
        let path = relay.dataDirectory + "/files/audit.jsonl"
        #expect(
            try await eventually {
                ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").count == 5
            })
        await relay.shutdown()
    }

    @Test func permanentFailuresAreDeadLetteredWithTheResponse() async throws {
        let server = try await ScriptedSinkServer { _, _ in .respond(status: 400, body: "invalid_payload") }
        let relay = try await TestRelay(routes: [httpRoute("strict", server.url)])
        let body = SignedEvent.body(id: "evt_dead")
        _ = try relay.post(body)
        #expect(try await eventually { relay.relay.fleet.worker("strict")?.currentStatus.deadLetters == 1 })
        #expect(server.requests.count == 1)
        let letters = try DeadLetterLog(directory: relay.dataDirectory + "/dead", sink: "strict").readAll()
        #expect(letters.count == 1)
        #expect(letters.first?.lastStatus == 400)
        #expect(letters.first?.responseExcerpt == "invalid_payload")
        #expect(letters.first?.reason == "permanent failure: HTTP 400: invalid_payload")
        #expect(letters.first?.body == body)
        #expect(letters.first?.attempts == 1)
        #expect(try relay.metric(#"moda_relay_dead_letters_total{sink="strict"}"#) == 1)
        await relay.shutdown()
        await server.shutdown()
    }

    @Test func goneDeadLettersAndPausesTheSink() async throws {
        let server = try await ScriptedSinkServer { _, _ in .respond(status: 410) }
        let relay = try await TestRelay(routes: [httpRoute("gone", server.url)])
        _ = try relay.post(SignedEvent.body(id: "evt_gone_1"))
        #expect(try await eventually { relay.relay.fleet.worker("gone")?.currentStatus.paused != nil })
        _ = try relay.post(SignedEvent.body(id: "evt_gone_2"))
        // Committed, seen by the worker, and not taken: paused.
        #expect(try await relay.workerSettles("gone", depth: 1))
        #expect(server.requests.count == 1)
        #expect(relay.relay.fleet.worker("gone")?.currentStatus.deadLetters == 1)
        #expect(try await eventually { try relay.metric(#"moda_relay_sink_circuit_open{sink="gone"}"#) == 1 })
        await relay.shutdown()
        await server.shutdown()
    }

    @Test func depthAndOldestAgeShowAStuckSink() async throws {
        let failing = try await ScriptedSinkServer { _, _ in .respond(status: 503) }
        let relay = try await TestRelay(routes: [httpRoute("stuck", failing.url)])
        for index in 0..<5 { _ = try relay.post(SignedEvent.body(id: "evt_stuck_\(index)")) }
        #expect(try await eventually { try relay.metric(#"moda_relay_spool_depth{sink="stuck"}"#) == 5 })
        try await Task.sleep(for: .milliseconds(1100))
        relay.relay.fleet.worker("stuck")?.wake()
        #expect(
            try await eventually {
                (try relay.metric(#"moda_relay_spool_oldest_undelivered_age_seconds{sink="stuck"}"#) ?? 0) >= 1
            })
        #expect((try relay.metric(#"moda_relay_delivery_attempts_total{sink="stuck",outcome="retry"}"#) ?? 0) >= 4)
        await relay.shutdown()
        await failing.shutdown()
    }

    /// A clean shutdown flushes acknowledgements, so a restart delivers nothing twice.
    @Test func aCleanRestartDeliversNothingTwice() async throws {
        let server = try await ScriptedSinkServer { _, _ in .respond(status: 200) }
        let first = try await TestRelay(routes: [httpRoute("forward", server.url)])
        for index in 0..<10 { _ = try first.post(SignedEvent.body(id: "evt_once_\(index)")) }
        #expect(try await eventually { server.requests.count == 10 })
        #expect(try await eventually { first.relay.fleet.worker("forward")?.currentStatus.delivered == 10 })
        await first.shutdown(keepData: true)
        let second = try await TestRelay(routes: [httpRoute("forward", server.url)], dataDirectory: first.dataDirectory)
        _ = try second.post(SignedEvent.body(id: "evt_once_new"))
        // Records are read in order: anything redelivered would have gone before the new one.
        #expect(try await second.workerSettles("forward", delivered: 1))
        #expect(server.requests.count == 11)
        #expect(server.requests.last?.header("x-moda-event-id") == "evt_once_new")
        await second.shutdown()
        await server.shutdown()
    }

    /// Invariant 4: a hanging sink and a failing sink delay neither the healthy sink nor the
    /// acknowledgements.
    @Test func aHangingAndAFailingSinkDelayNeitherTheHealthyOneNorTheAcks() async throws {
        let hanging = try await ScriptedSinkServer { _, _ in .hang }
        let failing = try await ScriptedSinkServer { _, _ in .respond(status: 500) }
        let healthy = try await ScriptedSinkServer { _, _ in .respond(status: 200) }
        let fast = try RetryPolicy(
            maxAttempts: 100, initialBackoff: .milliseconds(50), maximumBackoff: .milliseconds(200),
            maxAge: .seconds(3600))
        let relay = try await TestRelay(routes: [
            httpRoute("hanging", hanging.url, retry: fast, timeout: .seconds(30)),
            httpRoute("failing", failing.url, retry: fast),
            httpRoute("healthy", healthy.url),
        ])
        for index in 0..<60 {
            #expect(try relay.post(SignedEvent.body(id: "evt_iso_\(index)")).status == 200)
        }
        #expect(try await eventually { healthy.requests.count == 60 })
        #expect(try await eventually { failing.requests.count > 4 })
        // Causal, not timed: every acknowledgement and every healthy delivery happened while the
        // hanging sink's first attempts were still hanging (their 30 s timeout has not fired: no
        // attempt of it has ended), so none of them waited for it.
        let stuck = try #require(relay.relay.fleet.worker("hanging")?.currentStatus)
        #expect(stuck.inFlight == 4)
        #expect(stuck.lastError == nil)
        #expect(relay.relay.fleet.worker("hanging")?.recentAttempts.isEmpty == true)
        // The hanging sink holds only its own slots.
        #expect(hanging.requests.count <= 4)
        await relay.shutdown()
        for server in [hanging, failing, healthy] { await server.shutdown() }
    }
}
