import Foundation
import Testing

@testable import RelayCore
@testable import RelayDispatch
@testable import Sinks
@testable import Spool

@Suite struct SlackSinkRequestBuilderTests {
    func record(_ body: String, key: String = "evt_01HT9", type: String = "task.failed") -> SpoolRecord {
        SinkTestRecords.record(body, key: key, type: type)
    }
    func header(_ request: OutboundRequest, _ name: String) -> String? { SinkTestRecords.header(request, name) }

    @Test func slackRendersTheTemplateForTheTypeEscapedAndAsJSON() throws {
        let templates = TemplatesByType(
            byType: [
                (Glob("task.succeeded"), try Template("Weekly deck ready: {{data.result.canvas_url}}")),
                (
                    Glob("task.failed"),
                    try Template("Weekly deck failed: {{data.error.message}} (request_id={{data.error.request_id}})")
                ),
            ],
            fallback: nil)
        let builder = SlackSinkRequestBuilder(
            url: "https://hooks.slack.com/services/T/B/X", templates: templates, timeout: .seconds(10))
        let body =
            #"{"id":"evt_2","type":"task.failed","data":{"error":{"message":"<!channel> \"quota\" & <https://evil|click>","request_id":"req_42"}}}"#
        guard case .request(let request) = builder.request(for: record(body, key: "evt_2")) else {
            Issue.record("expected a request")
            return
        }
        let json = try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: String]
        #expect(
            json == [
                "text":
                    "Weekly deck failed: &lt;!channel&gt; \"quota\" &amp; &lt;https://evil|click&gt; (request_id=req_42)"
            ])
        #expect(header(request, "content-type") == "application/json")
        #expect(header(request, "x-moda-event-id") == "evt_2")
        guard case .noTemplate(type: "export.failed") = builder.request(for: record("{}", type: "export.failed")) else {
            Issue.record("a type without a template and no default posts nothing")
            return
        }
    }

    @Test func slackDefaultTemplateCoversLegacyEvents() throws {
        let builder = SlackSinkRequestBuilder(
            url: "https://hooks.slack.com/x", templates: TemplatesByType(fallback: TemplatesByType.builtInDefault),
            timeout: .seconds(1))
        let legacy = #"{"event":"job.completed","job_id":"990e8400","status":"completed"}"#
        guard
            case .request(let request) = builder.request(
                for: record(legacy, key: "job:990e8400:job.completed", type: "job.completed"))
        else {
            Issue.record("expected a request")
            return
        }
        let json = try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: String]
        #expect(json == ["text": "Moda event job.completed (990e8400)"])
    }
}
