import Foundation
import Logging
import RelayConfig
import RelayTestSupport
import Spool
import Testing

@testable import Ingress
@testable import RelayApp
@testable import RelayCore

/// Every row of the answer table, over real sockets against a real relay. Each rejection has a
/// status, a reason in the body, a metric and a log line.
@Suite struct AnswerTableTests {
    @Test func acceptedThenDuplicate() async throws {
        let relay = try await TestRelay()
        let body = SignedEvent.body(id: "evt_answer_1")
        let first = try relay.post(body)
        #expect(first.status == 200)
        #expect(first.json["ok"] as? Bool == true)
        #expect(first.json["event_id"] as? String == "evt_answer_1")
        #expect(first.json["duplicate"] == nil)
        #expect(first.headers["content-type"] == "application/json")
        // A retry carries a new timestamp and signature but the same event id.
        let retry = try relay.post(
            body, headers: SignedEvent.headers(body: body, timestamp: Int(Date().timeIntervalSince1970) - 5))
        #expect(retry.status == 200)
        #expect(retry.json["duplicate"] as? Bool == true)
        #expect(try relay.spooledKeys(sink: "archive") == ["evt_answer_1"])
        #expect(try relay.metric(#"moda_relay_ingress_requests_total{outcome="accepted"}"#) == 1)
        #expect(try relay.metric(#"moda_relay_ingress_requests_total{outcome="duplicate"}"#) == 1)
        #expect(try relay.metric("moda_relay_dedupe_hits_total") == 1)
        #expect(try relay.metric(#"moda_relay_events_spooled_total{sink="archive"}"#) == 1)
        #expect(try relay.metric("moda_relay_ingress_ack_duration_seconds_count") == 2)
        await relay.shutdown()
    }

    @Test func legacyShapeAndUnknownTypes() async throws {
        let relay = try await TestRelay()
        let legacy = SignedEvent.legacyBody(jobID: "990e8400")
        #expect(try relay.post(legacy).status == 200)
        #expect(try relay.post(legacy).json["duplicate"] as? Bool == true)
        // Same job, different event: a different event.
        let failed = SignedEvent.legacyBody(jobID: "990e8400", event: "job.failed")
        #expect(try relay.post(failed).json["duplicate"] == nil)
        let unknown = SignedEvent.body(id: "evt_unknown", type: "task.running")
        let answer = try relay.post(unknown)
        #expect(answer.status == 200)
        #expect(try relay.metric(#"moda_relay_unknown_event_types_total{type="task.running"}"#) == 1)
        #expect(
            relay.logs.all.contains { $0.level == .warning && $0.message.contains("outside Moda's documented set") })
        #expect(
            try relay.spooledKeys(sink: "archive") == [
                "job:990e8400:job.completed", "job:990e8400:job.failed", "evt_unknown",
            ])
        await relay.shutdown()
    }

    struct Rejection: CustomTestStringConvertible, Sendable {
        var name: String
        var status: Int
        var outcome: String
        var reason: String
        var make: @Sendable (Int) -> (headers: [(String, String)], body: [UInt8])
        var testDescription: String { name }
    }

    static let rejections: [Rejection] = {
        let body = SignedEvent.body(id: "evt_rejected")
        let now = Int(Date().timeIntervalSince1970)
        return [
            Rejection(name: "no headers", status: 400, outcome: "missing_header", reason: "missing X-Webhook-Timestamp")
            { _ in
                ([], body)
            },
            Rejection(
                name: "no signature", status: 400, outcome: "missing_header", reason: "missing X-Webhook-Signature"
            ) { _ in
                ([("X-Webhook-Timestamp", String(now))], body)
            },
            Rejection(
                name: "timestamp not a number", status: 400, outcome: "invalid_header", reason: "not unix seconds"
            ) { _ in
                ([("X-Webhook-Timestamp", "yesterday"), ("X-Webhook-Signature", "v1=00")], body)
            },
            Rejection(
                name: "signature not v1=hex", status: 400, outcome: "invalid_header", reason: "v1=<64 hex digits>"
            ) { _ in
                ([("X-Webhook-Timestamp", String(now)), ("X-Webhook-Signature", "sha256=abc")], body)
            },
            Rejection(name: "wrong secret", status: 401, outcome: "bad_signature", reason: "does not match") { _ in
                (SignedEvent.headers(body: body, secret: "not-the-secret"), body)
            },
            Rejection(
                name: "stale timestamp", status: 401, outcome: "stale_timestamp", reason: "old; tolerance is 300s"
            ) { _ in
                (SignedEvent.headers(body: body, timestamp: now - 301), body)
            },
            Rejection(name: "future timestamp", status: 401, outcome: "stale_timestamp", reason: "in the future") { _ in
                (SignedEvent.headers(body: body, timestamp: now + 400), body)
            },
            Rejection(name: "unparsable JSON", status: 400, outcome: "invalid_json", reason: "not valid JSON") { _ in
                let b = Array("{not json".utf8)
                return (SignedEvent.headers(body: b), b)
            },
            Rejection(name: "no event id", status: 400, outcome: "unrecognised_envelope", reason: "no event id") { _ in
                let b = Array(#"{"type":"task.succeeded","data":{}}"#.utf8)
                return (SignedEvent.headers(body: b), b)
            },
            Rejection(name: "invalid UTF-8", status: 400, outcome: "invalid_json", reason: "invalid UTF-8") { _ in
                let b = Array(#"{"id":"evt_"#.utf8) + [0xFF] + Array(#"","type":"task.succeeded"}"#.utf8)
                return (SignedEvent.headers(body: b), b)
            },
            Rejection(
                name: "duplicate id member", status: 400, outcome: "unrecognised_envelope",
                reason: "'id' appears more than once"
            ) { _ in
                let b = Array(#"{"id":"evt_a","type":"task.succeeded","id":"evt_b"}"#.utf8)
                return (SignedEvent.headers(body: b), b)
            },
            Rejection(
                name: "line break in the id", status: 400, outcome: "unrecognised_envelope",
                reason: "'id' contains a control character"
            ) { _ in
                let b = Array(#"{"id":"evt_a\r\nX-Injected: 1","type":"task.succeeded"}"#.utf8)
                return (SignedEvent.headers(body: b), b)
            },
            Rejection(
                name: "id over 256 bytes", status: 400, outcome: "unrecognised_envelope", reason: "at most 256"
            ) { _ in
                let b = Array(#"{"id":"evt_\#(String(repeating: "x", count: 300))","type":"task.succeeded"}"#.utf8)
                return (SignedEvent.headers(body: b), b)
            },
        ]
    }()

    @Test(arguments: rejections)
    func rejectionsHaveStatusReasonMetricAndLog(_ rejection: Rejection) async throws {
        let relay = try await TestRelay()
        let (headers, body) = rejection.make(relay.port)
        let answer = try relay.post(body, headers: headers)
        #expect(answer.status == rejection.status)
        #expect(answer.json["ok"] as? Bool == false)
        let reason = answer.json["reason"] as? String ?? ""
        #expect(reason.contains(rejection.reason), "reason was '\(reason)'")
        #expect(try relay.metric(#"moda_relay_ingress_requests_total{outcome="\#(rejection.outcome)"}"#) == 1)
        #expect(
            relay.logs.all.contains {
                $0.message == "webhook rejected" && $0.metadata["relay.outcome"] == rejection.outcome
            })
        #expect(try relay.spooledKeys(sink: "archive").isEmpty)
        await relay.shutdown()
    }

    /// A lone surrogate in user text is valid JSON: refusing it would lose the event after
    /// Moda's retries. The body is forwarded byte for byte anyway.
    @Test func aLoneSurrogateInEventDataIsAccepted() async throws {
        let relay = try await TestRelay()
        let body = Array(#"{"id":"evt_surrogate","type":"task.succeeded","data":{"prompt":"\ud83d and more"}}"#.utf8)
        #expect(try relay.post(body).status == 200)
        #expect(try relay.spooledKeys(sink: "archive") == ["evt_surrogate"])
        await relay.shutdown()
    }

    @Test func secretsNeverReachTheLog() async throws {
        let relay = try await TestRelay()
        let body = SignedEvent.body(id: "evt_log")
        _ = try relay.post(body)
        _ = try relay.post(body, headers: SignedEvent.headers(body: body, secret: "wrong"))
        let text = relay.logs.all.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!text.contains(SignedEvent.secret))
        #expect(!text.contains("canvas_url"))  // no bodies at info level
        await relay.shutdown()
    }
}
