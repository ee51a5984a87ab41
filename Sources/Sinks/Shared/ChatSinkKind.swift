import RelayConfig
import RelayCore
import RelayDispatch
import Spool
import Yams

/// A chat sink kind: keys `url` (required) and `Format.templateKey` (one template, or templates
/// by event type with a `default`); one templated message per record.
package struct ChatSinkKind<Format: ChatFormat>: SinkKind {
    package let kind = Format.kind
    package let keys: Set<String> = ["url", Format.templateKey]
    package let requiredKeys = ["url"]

    package init() {}

    package func read(from pairs: [(key: String, keyNode: Node, value: Node)], route: String, reader: inout YAMLReader)
        -> ChatSinkSettings<Format>?
    {
        var settings = ChatSinkSettings<Format>(url: "")
        for (key, _, value) in pairs {
            switch key {
            case "url": settings.url = reader.webhookURL(value) ?? ""
            case Format.templateKey:
                settings.templates = reader.templatesByType(value, key: key) ?? settings.templates
            default: break
            }
        }
        return settings
    }

    package func makeSink(_ settings: ChatSinkSettings<Format>, route: Route) throws -> any Sink {
        let builder = self.builder(settings, route: route)
        return TemplatedMessageSink(message: { builder.request(for: $0) }, interpret: Format.interpret)
    }

    package func explain(_ settings: ChatSinkSettings<Format>, route: Route, record: SpoolRecord) -> [String] {
        builder(settings, route: route).request(for: record).explained(url: settings.url)
    }

    private func builder(_ settings: ChatSinkSettings<Format>, route: Route) -> ChatMessageBuilder<Format> {
        ChatMessageBuilder(url: settings.url, templates: settings.templates, timeout: route.timeout)
    }
}
