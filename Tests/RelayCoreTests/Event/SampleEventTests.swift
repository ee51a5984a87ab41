import Testing

@testable import RelayCore

@Suite struct SampleEventTests {
    @Test(arguments: ["task.succeeded", "task.failed", "task.canceled", "export.succeeded", "export.failed"])
    func currentSamplesDecodeAsTheirType(_ type: String) throws {
        let text = SampleEvent.current(type: type, id: "evt_sample", createdISO8601: "2026-11-22T12:00:00Z")
        let event = try Array(text.utf8).withUnsafeBytes { try EventDecoder.decode($0) }
        #expect(event.shape == .current && event.type == type && event.id == "evt_sample" && event.isDocumentedType)
        if type == "task.failed" {
            #expect(event.json.value(at: ["data", "error", "request_id"]) == .string("req_sample"))
        }
        if type == "task.succeeded" {
            #expect(event.json.value(at: ["data", "result", "canvas_url"])?.stringValue?.hasPrefix("https://") == true)
        }
    }

    @Test(arguments: ["job.completed", "job.failed", "job.cancelled"])
    func legacySamplesDecodeAsTheirType(_ type: String) throws {
        let text = SampleEvent.legacy(type: type, jobID: "990e8400", timestampISO8601: "2026-11-22T12:00:00Z")
        let event = try Array(text.utf8).withUnsafeBytes { try EventDecoder.decode($0) }
        #expect(event.shape == .legacy && event.type == type && event.dedupeKey == "job:990e8400:\(type)")
    }
}
