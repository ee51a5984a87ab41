import RelayCore
import Testing

@Suite struct DeliveryPageTests {
    static let row = """
        {"id": "whd_1", "event_type": "task.succeeded", "target_url": "https://relay.example/webhooks/moda",
         "attempts": 4, "created_at": "2026-12-07T10:00:00Z", "last_attempted_at": "2026-12-07T10:00:36.5Z",
         "response_status_code": 503, "response_body_excerpt": "down", "agent_job_id": "task_01",
         "api_key_id": "key_1", "replayed_from_id": null}
        """

    @Test func aPageIsReadWithEveryField() throws {
        let page = try DeliveryPage.decode(Array(#"{"data": [\#(Self.row)], "next_cursor": "c2"}"#.utf8))
        #expect(page.nextCursor == "c2")
        #expect(
            page.rows == [
                DeliveryRow(
                    id: "whd_1", eventType: "task.succeeded", targetURL: "https://relay.example/webhooks/moda",
                    attempts: 4, createdAtMillis: 1_796_637_600_000, lastAttemptedAtMillis: 1_796_637_636_500,
                    responseStatusCode: 503, agentJobID: "task_01")
            ])
    }

    @Test func aRowWithNoAnswerAndTheLastPage() throws {
        let row =
            #"{"id": "whd_2", "event_type": "task.failed", "target_url": "u", "attempts": 4,"#
            + #" "created_at": "2026-12-07T10:00:00+01:00", "replayed_from_id": "whd_1"}"#
        let page = try DeliveryPage.decode(Array(#"{"data": [\#(row)], "next_cursor": null}"#.utf8))
        #expect(page.nextCursor == nil)
        #expect(page.rows[0].responseStatusCode == nil)
        #expect(page.rows[0].replayedFromID == "whd_1")
        #expect(page.rows[0].createdAtMillis == 1_796_634_000_000)
    }

    @Test(arguments: [
        ("[]", "no data array"),
        (#"{"data": {}}"#, "no data array"),
        (#"{"data": [1]}"#, "not an object"),
        (#"{"data": [{"id": "whd_1"}]}"#, "no valid event_type"),
        (#"{"data": [{"id": "w", "event_type": "t", "target_url": "u", "created_at": "yesterday"}]}"#, "RFC 3339"),
        (
            #"{"data": [{"id": "w", "event_type": "t", "target_url": "u", "created_at": "2026-12-07T10:00:00Z", "attempts": 99999999999}]}"#,
            "small whole number"
        ),
        (
            #"{"data": [{"id": "w", "event_type": "t", "target_url": "u", "created_at": "2026-12-07T10:00:00Z", "attempts": -1}]}"#,
            "small whole number"
        ),
        (#"{"data": [], "next_cursor": 5}"#, "next_cursor"),
        (#"{"data": [], "#, "not JSON"),
    ])
    func malformedPagesAreRefusedWithTheReason(text: String, reason: String) {
        #expect {
            try DeliveryPage.decode(Array(text.utf8))
        } throws: { error in
            (error as? DeliveryLogError)?.description.contains(reason) == true
        }
    }

    @Test func modaErrorsAreReadAndEscaped() {
        let error = ModaAPIError.decode(
            status: 401,
            body: Array(
                #"{"error": {"type": "authentication_error", "code": "invalid_api_key", "message": "bad\nkey"}}"#.utf8))
        #expect(error.code == "invalid_api_key")
        #expect(error.isAuthentication)
        #expect(error.description == #"HTTP 401 invalid_api_key: bad\nkey"#)
        #expect(ModaAPIError.decode(status: 502, body: Array("<html>".utf8)).description == "HTTP 502: <html>")
    }
}
