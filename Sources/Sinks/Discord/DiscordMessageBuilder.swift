import RelayCore
import RelayDispatch
import Spool

/// Builds the Discord webhook POST for one spooled event.
package struct DiscordMessageBuilder: Sendable {
    /// What building produced.
    package enum Built: Sendable {
        case request(OutboundRequest)
        /// The route has no template for this event type (and no `default`): nothing to post.
        case noTemplate(type: String)
        /// The spooled body is not JSON (cannot happen for bodies the ingress accepted).
        case undecodable(reason: String)
    }

    /// Discord's rate-limit header, honoured like `Retry-After`.
    static let resetAfterHeader = "x-ratelimit-reset-after"

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
        let content = DiscordText.truncated(template.render(json, escape: DiscordText.escape))
        var body = "{\"content\":"
        JSONValue.writeEscaped(content, to: &body)
        body += ",\"allowed_mentions\":{\"parse\":[]}}"
        return .request(
            OutboundRequest(
                url: url,
                headers: [
                    ("Content-Type", "application/json"), ("User-Agent", "moda-relay"),
                    (SinkHeaders.eventID, record.dedupeKey),
                ],
                body: Array(body.utf8), timeout: timeout, retryHintHeaders: [Self.resetAfterHeader]))
    }
}
