import Foundation
import RelayConfig
import RelayCore
import RelayTestSupport
import Testing

@testable import Ingress

/// Concurrency of the accept path: many events at once, and many copies of one event at once.
@Suite struct ConcurrencyTests {
    /// Opens one connection per body, sends every request before reading any answer, so the
    /// relay has them all in flight together.
    func sendAllThenRead(port: Int, bodies: [[UInt8]]) throws -> [RawConnection.Response] {
        let connections = try bodies.map { _ in try RawConnection(port: port) }
        for (connection, body) in zip(connections, bodies) {
            try connection.request(headers: SignedEvent.headers(body: body), body: body)
        }
        return try connections.map { try $0.readResponse() }
    }

    @Test func twoHundredConcurrentUniqueEventsAreAllAccepted() async throws {
        let relay = try await TestRelay(routes: [TestRelay.fileRoute("archive"), TestRelay.fileRoute("audit")])
        let bodies = (0..<200).map { SignedEvent.body(id: "evt_many_\($0)") }
        let answers = try sendAllThenRead(port: relay.port, bodies: bodies)
        #expect(answers.allSatisfy { $0.status == 200 && $0.json["duplicate"] == nil })
        for sink in ["archive", "audit"] {
            let keys = try relay.spooledKeys(sink: sink)
            #expect(keys.count == 200)
            #expect(Set(keys) == Set((0..<200).map { "evt_many_\($0)" }))
        }
        await relay.shutdown()
    }

    /// Invariant 3 end to end: of fifty copies at once, one is new, the rest are duplicates, and
    /// the spool holds one record. That the copies wait for the original (rather than being
    /// answered by the writer's own dedupe) is `InFlightLedgerTests`'.
    @Test func fiftyConcurrentCopiesGiveOneNewAndFortyNineDuplicates() async throws {
        let relay = try await TestRelay()
        let body = SignedEvent.body(id: "evt_copies")
        let answers = try sendAllThenRead(port: relay.port, bodies: Array(repeating: body, count: 50))
        #expect(answers.allSatisfy { $0.status == 200 })
        #expect(answers.filter { $0.json["duplicate"] == nil }.count == 1)
        #expect(answers.filter { $0.json["duplicate"] as? Bool == true }.count == 49)
        #expect(try relay.spooledKeys(sink: "archive") == ["evt_copies"])
        await relay.shutdown()
    }

    /// Invariant 3, failure side: when the original cannot be stored, its waiting copies get
    /// the same error, never a duplicate 200.
    @Test func copiesOfAFailedOriginalGetItsError() async throws {
        let relay = try await TestRelay { $0.spoolMaxBytes = 2000 }
        let body = SignedEvent.body(id: "evt_fails", padding: 3000)
        let answers = try sendAllThenRead(port: relay.port, bodies: Array(repeating: body, count: 20))
        #expect(answers.allSatisfy { $0.status == 503 })
        #expect(answers.allSatisfy { $0.json["duplicate"] == nil })
        await relay.shutdown()
    }

    /// Invariant 1: by the time a 200 is on the wire, the record is in the spool file of every
    /// routed sink. Checked for each of many requests, right after its answer arrives.
    @Test func noTwoHundredBeforeTheRecordIsInEverySpool() async throws {
        let relay = try await TestRelay(routes: [TestRelay.fileRoute("archive"), TestRelay.fileRoute("audit")])
        let connection = try RawConnection(port: relay.port)
        for index in 0..<100 {
            let body = SignedEvent.body(id: "evt_durable_\(index)")
            try connection.request(headers: SignedEvent.headers(body: body), body: body)
            let answer = try connection.readResponse()
            #expect(answer.status == 200)
            #expect(try relay.spooledKeys(sink: "archive").last == "evt_durable_\(index)")
            #expect(try relay.spooledKeys(sink: "audit").last == "evt_durable_\(index)")
        }
        await relay.shutdown()
    }

    @Test func routingFollowsMatchesAndUnroutedEventsAreStillDeduped() async throws {
        let relay = try await TestRelay(routes: [
            TestRelay.fileRoute("failures", match: .init(types: [.init("*.failed")])),
            TestRelay.fileRoute("off", enabled: false),
        ])
        #expect(try relay.post(SignedEvent.body(id: "evt_f", type: "task.failed")).json["sinks"] as? Int == 1)
        let unrouted = SignedEvent.body(id: "evt_s", type: "task.succeeded")
        let first = try relay.post(unrouted)
        #expect(first.status == 200)
        #expect(first.json["sinks"] as? Int == 0)
        #expect(try relay.post(unrouted).json["duplicate"] as? Bool == true)
        #expect(try relay.spooledKeys(sink: "failures") == ["evt_f"])
        #expect(try relay.spooledKeys(sink: "off").isEmpty)
        #expect(try relay.metric("moda_relay_events_unrouted_total") == 1)
        await relay.shutdown()
    }

    @Test func duplicatesAreRecognisedAfterRestart() async throws {
        let first = try await TestRelay()
        let body = SignedEvent.body(id: "evt_restart")
        #expect(try first.post(body).status == 200)
        await first.shutdown(keepData: true)
        let second = try await TestRelay(dataDirectory: first.dataDirectory)
        #expect(try second.post(body).json["duplicate"] as? Bool == true)
        #expect(try second.spooledKeys(sink: "archive") == ["evt_restart"])
        await second.shutdown()
    }
}
