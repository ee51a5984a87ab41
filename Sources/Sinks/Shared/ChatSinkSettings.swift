import RelayCore

/// A chat route (Slack, Discord): a webhook URL and the templates chosen by event type.
package struct ChatSinkSettings<Format: ChatFormat>: SinkSettings, Equatable {
    package static var kind: String { Format.kind }
    package static var defaultConcurrency: Int { Format.defaultConcurrency }
    package static var defaultRate: Rate? { Format.defaultRate }

    package var url: String
    package var templates: TemplatesByType

    package init(url: String, templates: TemplatesByType = TemplatesByType(fallback: TemplatesByType.builtInDefault)) {
        self.url = url
        self.templates = templates
    }

    package var description: String { "\(Format.kind) \(ExplainRedaction.webhookURL(url))" }
}
