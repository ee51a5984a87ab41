import RelayCore
import RelayDispatch
import Spool

/// Builds the Slack incoming-webhook POST for one spooled event: `{"text": …}` rendered from
/// the template chosen by event type, every substituted value escaped for Slack.
package struct SlackSinkRequestBuilder: Sendable {
    /// What building produced.
    package enum Built: Sendable {
        case request(OutboundRequest)
        /// The route has no template for this event type (and no `default`): nothing to post.
        case noTemplate(type: String)
        /// The spooled body is not JSON (cannot happen for bodies the ingress accepted).
        case undecodable(reason: String)
    }

    package let url: String
    package let templates: TemplatesByType
    package let timeout: Duration

    package init(url: String, templates: TemplatesByType, timeout: Duration) {
        self.url = url
        self.templates = templates
        self.timeout = timeout
    }

    package func request(for record: SpoolRecord) -> Built {
        guard let template = templates.template(for: record.eventType) else {
            return .noTemplate(type: record.eventType)
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(record.body)
        } catch {
            return .undecodable(reason: "spooled body is not JSON: \(error)")
        }
        var body = "{\"text\":"
        JSONValue.writeEscaped(template.render(json, escape: SlackText.escape), to: &body)
        body += "}"
        return .request(
            OutboundRequest(
                url: url,
                headers: [
                    ("Content-Type", "application/json"), ("User-Agent", "moda-relay"),
                    (SinkHeaders.eventID, record.dedupeKey),
                ],
                body: Array(body.utf8), timeout: timeout))
    }
}
