import RelayCore
import RelayDispatch
import Spool

/// Builds a chat route's POST for one spooled event: the template chosen by event type,
/// rendered and wrapped as `Format` says.
package struct ChatMessageBuilder<Format: ChatFormat>: Sendable {
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
            for: record, templates: templates, url: url, timeout: timeout, retryHintHeaders: Format.retryHintHeaders
        ) { template, json in Format.body(template, event: json) }
    }
}
