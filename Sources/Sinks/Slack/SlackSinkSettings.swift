import RelayCore

/// A `slack` route: POST `{"text": …}` to an incoming webhook, rendered from the template chosen
/// by event type.
package struct SlackSinkSettings: SinkSettings, Equatable {
    package static let kind = "slack"
    /// Slack takes about one message per second per webhook, one at a time.
    package static let defaultConcurrency = 1
    package static let defaultRate: Rate? = Rate(count: 1, per: .seconds(1))

    package var url: String
    package var templates: TemplatesByType

    package init(url: String, templates: TemplatesByType = TemplatesByType(fallback: TemplatesByType.builtInDefault)) {
        self.url = url
        self.templates = templates
    }

    package var description: String { "slack \(ExplainRedaction.webhookURL(url))" }
}
