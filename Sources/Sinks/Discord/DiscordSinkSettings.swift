import RelayCore

/// A `discord` route: POST `{"content": …, "allowed_mentions": {"parse": []}}` to a Discord
/// webhook, rendered from the template chosen by event type.
package struct DiscordSinkSettings: SinkSettings, Equatable {
    package static let kind = "discord"
    /// One message at a time, at most one every 2 s: Discord allows a webhook about 30 a minute
    /// and answers bursts with 429.
    package static let defaultConcurrency = 1
    package static let defaultRate: Rate? = Rate(count: 1, per: .seconds(2))

    package var url: String
    package var templates: TemplatesByType

    package init(url: String, templates: TemplatesByType = TemplatesByType(fallback: TemplatesByType.builtInDefault)) {
        self.url = url
        self.templates = templates
    }

    package var description: String { "discord \(ExplainRedaction.webhookURL(url))" }
}
