import Testing

@testable import RelayCore

@Suite struct EventDecoderTests {
    func decode(_ text: String) throws -> Event {
        try Array(text.utf8).withUnsafeBytes { bytes in try EventDecoder.decode(bytes) }
    }

    @Test func decodesCurrentShape() throws {
        let event = try decode(
            #"{"id":"evt_01HT9","type":"task.succeeded","created":"2026-04-15T12:01:00+00:00","api_version":"2026-05-01","data":{"id":"task_1","kind":"design","result":{"canvas_url":"https://moda.app/c/1"}}}"#
        )
        #expect(event.shape == .current)
        #expect(event.id == "evt_01HT9")
        #expect(event.type == "task.succeeded")
        #expect(event.dedupeKey == "evt_01HT9")
        #expect(event.isDocumentedType)
        #expect(event.json.value(at: ["data", "result", "canvas_url"]) == .string("https://moda.app/c/1"))
    }

    @Test func decodesLegacyShapeWithKeyFromJobAndEvent() throws {
        let event = try decode(
            #"{"event":"job.failed","job_id":"990e8400","canvas_id":"550e","status":"failed","task":"x","ops_count":0,"timestamp":"2025-03-15T10:32:15Z","attempt_count":2,"error":"boom"}"#
        )
        #expect(event.shape == .legacy)
        #expect(event.id == "990e8400")
        #expect(event.type == "job.failed")
        #expect(event.dedupeKey == "job:990e8400:job.failed")
        #expect(event.isDocumentedType)
    }

    @Test func fastPathKeepsTheEnvelopeOnly() throws {
        let text = #"{"id":"evt_9","type":"task.failed","data":{"error":{"message":"x"}}}"#
        let event = try Array(text.utf8).withUnsafeBytes { try EventDecoder.decode($0, fullDocument: false) }
        #expect(event.id == "evt_9" && event.type == "task.failed")
        #expect(event.json["data"] == nil)
        let legacy = #"{"event":"job.failed","job_id":"j1","error":"boom"}"#
        let decoded = try Array(legacy.utf8).withUnsafeBytes { try EventDecoder.decode($0, fullDocument: false) }
        #expect(decoded.dedupeKey == "job:j1:job.failed")
    }

    @Test func sameJobDifferentEventsAreDifferentKeys() throws {
        let a = try decode(#"{"event":"job.failed","job_id":"j1"}"#)
        let b = try decode(#"{"event":"job.completed","job_id":"j1"}"#)
        #expect(a.dedupeKey != b.dedupeKey)
    }

    @Test func unknownTypeIsAcceptedButFlagged() throws {
        let event = try decode(#"{"id":"evt_2","type":"task.running","data":{}}"#)
        #expect(!event.isDocumentedType)
    }

    @Test(arguments: [
        (#"not json"#, EventDecoder.Failure.Code.invalidJSON),
        (#"[1,2]"#, .unrecognisedEnvelope),
        (#"{"type":"task.succeeded"}"#, .unrecognisedEnvelope),
        (#"{"id":"","type":"task.succeeded"}"#, .unrecognisedEnvelope),
        (#"{"id":"evt_1"}"#, .unrecognisedEnvelope),
        (#"{"id":7,"type":"task.succeeded"}"#, .unrecognisedEnvelope),
        (#"{"event":"job.completed"}"#, .unrecognisedEnvelope),
        // Hardening findings 3 and 13: ambiguous or unprintable envelopes.
        (#"{"id":"evt_1","type":"task.succeeded","id":"evt_2"}"#, .unrecognisedEnvelope),
        (#"{"id":"evt_1","type":"task.succeeded","type":"task.failed"}"#, .unrecognisedEnvelope),
        (#"{"event":"job.failed","job_id":"j1","job_id":"j2"}"#, .unrecognisedEnvelope),
        (#"{"event":"job.failed","event":"job.completed","job_id":"j1"}"#, .unrecognisedEnvelope),
        (#"{"id":"evt_1\r\nX-Evil: 1","type":"task.succeeded"}"#, .unrecognisedEnvelope),
        (#"{"id":"evt_1","type":"task.succeeded\u0000"}"#, .unrecognisedEnvelope),
        (#"{"id":"evt_\u0085","type":"task.succeeded"}"#, .unrecognisedEnvelope),
        (#"{"id":"evt_\u007f","type":"task.succeeded"}"#, .unrecognisedEnvelope),
        (#"{"id":"evt_\ud800","type":"task.succeeded"}"#, .unrecognisedEnvelope),
        (#"{"event":"job.failed","job_id":"j\t1"}"#, .unrecognisedEnvelope),
        (#"{"id":"evt_1","type":"task.succeeded","data":"\u00"}"#, .invalidJSON),
        ("{\"id\":\"evt_\u{FFFD}\",\"type\":\"task.succeeded\"}", .unrecognisedEnvelope),
        ("{\"id\":\"" + String(repeating: "x", count: 257) + "\",\"type\":\"task.succeeded\"}", .unrecognisedEnvelope),
    ])
    func rejects(_ text: String, _ code: EventDecoder.Failure.Code) {
        #expect {
            _ = try decode(text)
        } throws: { error in
            (error as? EventDecoder.Failure)?.code == code
        }
        // The fast path refuses exactly the same documents.
        #expect {
            _ = try Array(text.utf8).withUnsafeBytes { try EventDecoder.decode($0, fullDocument: false) }
        } throws: { error in
            (error as? EventDecoder.Failure)?.code == code
        }
    }

    @Test func longestPrintableIdsAndRepeatsInsideDataAreAccepted() throws {
        let id = "evt_" + String(repeating: "é", count: 126)  // 256 bytes
        #expect(id.utf8.count == 256)
        #expect(try decode(#"{"id":"\#(id)","type":"task.succeeded"}"#).id == id)
        let nested = try decode(#"{"id":"evt_1","type":"task.succeeded","data":{"id":"x","id":"y","prompt":"\ud800"}}"#)
        #expect(nested.json.value(at: ["data", "prompt"]) == .string("\u{FFFD}"))
    }

    @Test func dedupeKeyFingerprintIsStable() {
        #expect(DedupeKey("evt_1") == DedupeKey("evt_1"))
        #expect(DedupeKey("evt_1") != DedupeKey("evt_2"))
        // SHA-256("evt_1") starts with these 16 bytes (python3 -c 'import hashlib;print(hashlib.sha256(b"evt_1").hexdigest()[:32])').
        #expect(DedupeKey("abc").description == "ba7816bf8f01cfea414140de5dae2223")
    }
}
