import Foundation
import RelayCore

/// Builds and signs webhook requests exactly as Moda does.
public enum SignedEvent {
    public static let secret = "whsec_integration_test_secret"

    public static func body(id: String, type: String = "task.succeeded", padding: Int = 0) -> [UInt8] {
        let pad = padding > 0 ? ",\"prompt\":\"" + String(repeating: "p", count: padding) + "\"" : ""
        return Array(
            #"{"id":"\#(id)","type":"\#(type)","created":"2026-04-15T12:01:00+00:00","api_version":"2026-05-01","data":{"id":"task_\#(id)","kind":"design","status":"succeeded","result":{"canvas_id":"cvs_1","canvas_url":"https://moda.app/c/\#(id)"}\#(pad)}}"#
                .utf8)
    }

    public static func legacyBody(jobID: String, event: String = "job.completed") -> [UInt8] {
        Array(
            #"{"event":"\#(event)","job_id":"\#(jobID)","canvas_id":"550e8400","status":"completed","task":"landing page","ops_count":42,"timestamp":"2025-03-15T10:32:15Z","attempt_count":1,"error":null}"#
                .utf8)
    }

    public static func headers(body: [UInt8], secret: String = secret, timestamp: Int? = nil) -> [(String, String)] {
        let ts = String(timestamp ?? Int(Date().timeIntervalSince1970))
        return [
            ("X-Webhook-Timestamp", ts),
            ("X-Webhook-Signature", SignatureVerifier.signatureHeader(secret: secret, timestamp: ts, body: body)),
            ("Content-Type", "application/json"),
        ]
    }
}
