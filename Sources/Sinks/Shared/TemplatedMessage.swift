import RelayCore
import RelayDispatch
import Spool

/// One chat message rendered from a route's templates (Slack, Discord): the template chosen by
/// the event's type renders the spooled event, and the kind wraps the text in its JSON body.
package enum TemplatedMessage: Sendable {
    case request(OutboundRequest)
    /// The route has no template for this event type (and no `default`): nothing to post.
    case noTemplate(type: String)
    /// The spooled body is not JSON (cannot happen for bodies the ingress accepted).
    case undecodable(reason: String)

    /// The message for `record`: `body` turns the chosen template and the event into the JSON
    /// body, which is POSTed to `url` with the event's id.
    static func build(
        for record: SpoolRecord, templates: TemplatesByType, url: String, timeout: Duration,
        retryHintHeaders: [String] = [], body: (Template, JSONValue) -> String
    ) -> TemplatedMessage {
        guard let template = templates.template(for: record.eventType) else {
            return .noTemplate(type: record.eventType)
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(record.body)
        } catch {
            return .undecodable(reason: "spooled body is not JSON: \(error)")
        }
        return .request(
            OutboundRequest(
                url: url,
                headers: [
                    ("Content-Type", "application/json"), ("User-Agent", "moda-relay"),
                    (SinkHeaders.eventID, record.dedupeKey),
                ],
                body: Array(body(template, json).utf8), timeout: timeout, retryHintHeaders: retryHintHeaders))
    }

    /// What the worker does with it.
    var attempt: SinkAttempt {
        switch self {
        case .request(let request): return .request(request)
        case .noTemplate(let type): return .skip(reason: "no template for \(type)")
        case .undecodable(let reason): return .deadLetter(reason: reason)
        }
    }

    /// What `explain` prints for it, the webhook URL's secret part left out.
    func explained(url: String) -> [String] {
        switch self {
        case .request(let request):
            return [
                "  POST \(ExplainRedaction.webhookURL(url))",
                "  body: \(String(decoding: request.body, as: UTF8.self))",
            ]
        case .noTemplate(let type): return ["  nothing posted: no template for \(type) and no default"]
        case .undecodable(let reason): return ["  would dead-letter: \(reason)"]
        }
    }
}
