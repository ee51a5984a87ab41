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
        DiscordSink(builder: builder(settings, route: route))
    }

    package func explain(_ settings: DiscordSinkSettings, route: Route, record: SpoolRecord) -> [String] {
        switch builder(settings, route: route).request(for: record) {
        case .request(let request):
            return [
                "  POST \(ExplainRedaction.webhookURL(settings.url))",
                "  body: \(String(decoding: request.body, as: UTF8.self))",
            ]
        case .noTemplate(let type): return ["  nothing posted: no template for \(type) and no default"]
        case .undecodable(let reason): return ["  would dead-letter: \(reason)"]
        }
    }

    private func builder(_ settings: DiscordSinkSettings, route: Route) -> DiscordMessageBuilder {
        DiscordMessageBuilder(url: settings.url, templates: settings.templates, timeout: route.timeout)
    }
}
