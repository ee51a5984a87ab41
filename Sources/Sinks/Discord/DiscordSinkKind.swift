import RelayConfig
import RelayCore
import RelayDispatch
import Spool
import Yams

/// `sink: discord`: keys `url` (required) and `content` (one template, or templates by event
/// type with a `default`).
package struct DiscordSinkKind: SinkKind {
    package let kind = DiscordSinkSettings.kind
    package let keys: Set<String> = ["url", "content"]
    package let requiredKeys = ["url"]

    package init() {}

    package func read(from pairs: [(key: String, keyNode: Node, value: Node)], route: String, reader: inout YAMLReader)
        -> DiscordSinkSettings?
    {
        var settings = DiscordSinkSettings(url: "")
        for (key, _, value) in pairs {
            switch key {
            case "url": settings.url = reader.webhookURL(value) ?? ""
            case "content": settings.templates = reader.templatesByType(value, key: "content") ?? settings.templates
            default: break
            }
        }
        return settings
    }

    package func makeSink(_ settings: DiscordSinkSettings, route: Route) throws -> any Sink {
        let builder = self.builder(settings, route: route)
        return TemplatedMessageSink(message: { builder.request(for: $0) }, interpret: DiscordRateLimit.interpret)
    }

    package func explain(_ settings: DiscordSinkSettings, route: Route, record: SpoolRecord) -> [String] {
        builder(settings, route: route).request(for: record).explained(url: settings.url)
    }

    private func builder(_ settings: DiscordSinkSettings, route: Route) -> DiscordMessageBuilder {
        DiscordMessageBuilder(url: settings.url, templates: settings.templates, timeout: route.timeout)
    }
}
