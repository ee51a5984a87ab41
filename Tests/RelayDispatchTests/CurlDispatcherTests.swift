import Foundation
import RelayTestSupport
import Synchronization
import Testing

@testable import RelayCore
@testable import RelayDispatch

@Suite struct CurlDispatcherTests {
    /// Sends one request and waits for its result.
    func send(_ dispatcher: CurlDispatcher, _ request: OutboundRequest, affinity: Int? = nil) async -> (
        DeliveryResult, Duration
    ) {
        await withCheckedContinuation { continuation in
            dispatcher.submit(request, affinity: affinity) { result, elapsed in
                continuation.resume(returning: (result, elapsed))
            }
        }
    }

    func request(_ url: String, body: String = #"{"id":"evt_1"}"#, timeout: Duration = .seconds(5)) -> OutboundRequest {
        OutboundRequest(
            url: url, headers: [("Content-Type", "application/json"), ("X-Moda-Event-Id", "evt_1")],
            body: Array(body.utf8),
            timeout: timeout)
    }

    @Test func postsTheBodyByteForByteWithHeaders() async throws {
        let server = try await ScriptedSinkServer { _, _ in .respond(status: 200, body: "ok") }
        let dispatcher = CurlDispatcher()
        let body = #"{"id":"evt_1","data":{"text":"é ✓ \"quoted\"","n":1.50}}"# + String(repeating: " ", count: 3000)
        let (result, _) = await send(dispatcher, request(server.url, body: body))
        #expect(result == .response(status: 200, retryAfter: nil, bodyExcerpt: "ok"))
        let received = try #require(server.requests.first)
        #expect(received.method == "POST")
        #expect(received.uri == "/hook")
        #expect(received.body == Array(body.utf8))
        #expect(received.header("content-type") == "application/json")
        #expect(received.header("x-moda-event-id") == "evt_1")
        #expect(received.header("expect") == nil)
        await dispatcher.stop()
        await server.shutdown()
    }

    @Test func retryAfterAndBodyExcerpt() async throws {
        let long = String(repeating: "x", count: 5000)
        let server = try await ScriptedSinkServer { index, _ in
            index == 0
                ? .respond(status: 429, headers: [("Retry-After", "7")], body: "slow down")
                : .respond(status: 500, body: long)
        }
        let dispatcher = CurlDispatcher()
        #expect(
            await send(dispatcher, request(server.url)).0
                == .response(status: 429, retryAfter: "7", bodyExcerpt: "slow down"))
        guard case .response(500, nil, let excerpt) = await send(dispatcher, request(server.url)).0 else {
            Issue.record("expected a 500")
            return
        }
        #expect(excerpt.utf8.count == 2048)
        await dispatcher.stop()
        await server.shutdown()
    }

    @Test func timeoutRefusedAndResetAreTransportFailures() async throws {
        let server = try await ScriptedSinkServer { index, _ in index == 0 ? .hang : .reset }
        let dispatcher = CurlDispatcher()
        let (hung, elapsed) = await send(dispatcher, request(server.url, timeout: .milliseconds(300)))
        guard case .transportFailure(.timeout, _) = hung else { Issue.record("expected timeout, got \(hung)"); return }
        #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(3))
        guard case .transportFailure(.connect, _) = await send(dispatcher, request(server.url)).0 else {
            Issue.record("expected a connection failure for a reset")
            return
        }
        let closedPort = server.port
        await server.shutdown()
        guard
            case .transportFailure(.connect, _) = await send(dispatcher, request("http://127.0.0.1:\(closedPort)/x")).0
        else {
            Issue.record("expected connection refused")
            return
        }
        guard case .transportFailure(.other, _) = await send(dispatcher, request("ftp://127.0.0.1/x")).0 else {
            Issue.record("non-http schemes must be refused")
            return
        }
        await dispatcher.stop()
    }

    /// Requests with one affinity keep to one lane, and so to one kept-alive connection.
    @Test func keepAliveReusesOneConnection() async throws {
        let server = try await ScriptedSinkServer { _, _ in .respond(status: 204) }
        let dispatcher = CurlDispatcher(lanes: 3)
        for _ in 0..<30 {
            #expect(
                await send(dispatcher, request(server.url), affinity: 7).0
                    == .response(status: 204, retryAfter: nil, bodyExcerpt: ""))
        }
        #expect(Set(server.requests.map(\.connection)).count == 1)
        await dispatcher.stop()
        await server.shutdown()
    }

    /// Without an affinity, requests go to the lanes in turn: each lane keeps its own
    /// connection, so as many connections serve them as there are lanes.
    @Test func requestsSpreadOverTheLanes() async throws {
        let server = try await ScriptedSinkServer { _, _ in .respond(status: 204) }
        let dispatcher = CurlDispatcher(lanes: 3)
        #expect(dispatcher.laneCount == 3)
        for _ in 0..<30 {
            #expect(
                await send(dispatcher, request(server.url)).0
                    == .response(status: 204, retryAfter: nil, bodyExcerpt: ""))
        }
        #expect(Set(server.requests.map(\.connection)).count == 3)
        await dispatcher.stop()
        await server.shutdown()
    }

    @Test func manyConcurrentRequests() async throws {
        let server = try await ScriptedSinkServer { _, _ in .respond(status: 200) }
        let dispatcher = CurlDispatcher()
        let ok = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                group.addTask {
                    // A generous timeout: this is about every request arriving, not latency (the
                    // whole suite runs beside it on two cores).
                    await send(dispatcher, request(server.url, body: "{\"n\":\(index)}", timeout: .seconds(30))).0
                        == .response(status: 200, retryAfter: nil, bodyExcerpt: "")
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(ok == 200)
        #expect(Set(server.requests.map { String(decoding: $0.body, as: UTF8.self) }).count == 200)
        await dispatcher.stop()
        await server.shutdown()
    }

    @Test func stopAbortsTransfersInFlight() async throws {
        let server = try await ScriptedSinkServer { _, _ in .hang }
        let dispatcher = CurlDispatcher()
        let result = Mutex<DeliveryResult?>(nil)
        dispatcher.submit(request(server.url, timeout: .seconds(60))) { outcome, _ in result.withLock { $0 = outcome } }
        let deadline = ContinuousClock.now + .seconds(10)
        while server.requests.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        try #require(!server.requests.isEmpty, "the transfer never reached the server")
        await dispatcher.stop()
        #expect(result.withLock { $0 } == .transportFailure(.other, message: "dispatcher stopped"))
        let late = await send(dispatcher, request(server.url))
        #expect(late.0 == .transportFailure(.other, message: "dispatcher stopped"))
        await server.shutdown()
    }
}
