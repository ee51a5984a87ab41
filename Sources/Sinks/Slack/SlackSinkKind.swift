import RelayConfig
import RelayCore
import RelayDispatch
import Spool
import Yams

/// `sink: slack`: keys `url` (required) and `text` (one template, or templates by event type
/// with a `default`).
package struct SlackSinkKind: SinkKind {
    package let kind = SlackSinkSettings.kind
    package let keys: Set<String> = ["url", "text"]
    package let requiredKeys = ["url"]

    package init() {}

    package func read(from pairs: [(key: String, keyNode: Node, value: Node)], route: String, reader: inout YAMLReader)
        -> SlackSinkSettings?
    {
        var settings = SlackSinkSettings(url: "")
        for (key, _, value) in pairs {
            switch key {
            case "url": settings.url = reader.webhookURL(value) ?? ""
            case "text": settings.templates = reader.templatesByType(value, key: "text") ?? settings.templates
            default: break
            }
        }
        return settings
    }

    package func makeSink(_ settings: SlackSinkSettings, route: Route) throws -> any Sink {
        let builder = self.builder(settings, route: route)
        return TemplatedMessageSink { builder.request(for: $0) }
    }

    package func explain(_ settings: SlackSinkSettings, route: Route, record: SpoolRecord) -> [String] {
        builder(settings, route: route).request(for: record).explained(url: settings.url)
    }

    private func builder(_ settings: SlackSinkSettings, route: Route) -> SlackSinkRequestBuilder {
        SlackSinkRequestBuilder(url: settings.url, templates: settings.templates, timeout: route.timeout)
    }
}
