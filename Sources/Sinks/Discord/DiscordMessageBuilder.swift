import RelayCore
import RelayDispatch
import Spool

/// Builds the Discord webhook POST for one spooled event.
package struct DiscordMessageBuilder: Sendable {
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

    package func request(for record: SpoolRecord) -> TemplatedMessage {
        TemplatedMessage.build(
            for: record, templates: templates, url: url, timeout: timeout, retryHintHeaders: [Self.resetAfterHeader]
        ) { template, json in
            var body = "{\"content\":"
            JSONValue.writeEscaped(DiscordText.truncated(template.render(json, escape: DiscordText.escape)), to: &body)
            return body + ",\"allowed_mentions\":{\"parse\":[]}}"
        }
    }
}
