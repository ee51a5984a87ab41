import RelayCore
import RelayDispatch
import Spool

/// Builds the Slack incoming-webhook POST for one spooled event: `{"text": …}` rendered from
/// the template chosen by event type, every substituted value escaped for Slack.
package struct SlackSinkRequestBuilder: Sendable {
    package let url: String
    package let templates: TemplatesByType
    package let timeout: Duration

    package init(url: String, templates: TemplatesByType, timeout: Duration) {
        self.url = url
        self.templates = templates
        self.timeout = timeout
    }

    package func request(for record: SpoolRecord) -> TemplatedMessage {
        TemplatedMessage.build(for: record, templates: templates, url: url, timeout: timeout) { template, json in
            var body = "{\"text\":"
            JSONValue.writeEscaped(template.render(json, escape: SlackText.escape), to: &body)
            return body + "}"
        }
    }
}
