import RelayCore
import Yams

/// One sink kind's part of a route file: the keys it takes and how it reads them.
///
/// Each kind implements it in its folder under `Sources/Sinks`; ``RouteLoader`` is given the
/// kinds in force and knows none itself.
package protocol SinkRouteKeys: Sendable {
    /// The `sink:` value.
    var kind: String { get }
    /// Keys a route of this kind may set besides the common ones, which it reads itself.
    var keys: Set<String> { get }
    /// Keys a route of this kind must set.
    var requiredKeys: [String] { get }
    /// The key naming the sink's ``SinkSettings/exclusiveResource``, for errors across routes.
    var exclusiveKey: String? { get }
    /// Reads this kind's keys (only those in ``keys``, in file order) into its settings,
    /// reporting every problem through `reader` at its position; nil if there were any.
    func settings(
        from pairs: [(key: String, keyNode: Node, value: Node)], route: String, reader: inout YAMLReader
    ) -> (any SinkSettings)?
}

extension SinkRouteKeys {
    package var exclusiveKey: String? { nil }
}

extension YAMLReader {
    /// An `http://` or `https://` URL with no spaces or control characters.
    package mutating func webhookURL(_ node: Node, key: String = "url") -> String? {
        guard let text = string(node, key: key) else { return nil }
        let lower = text.lowercased()
        // Bytes, not Characters: " \u{301}" or "\r\n" is one Character that is not " " or "\n".
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), text.utf8.count > 8,
            !text.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F })
        else {
            error("'\(key)' must be an http:// or https:// URL with no spaces or control characters", at: node)
            return nil
        }
        return text
    }

    /// Message templates: one string (the `default`), or a map from event type or glob to a
    /// template with an optional `default`.
    package mutating func templatesByType(_ node: Node, key: String) -> TemplatesByType? {
        func template(_ node: Node, key: String) -> Template? {
            guard let text = string(node, key: key) else { return nil }
            do {
                return try Template(text)
            } catch {
                self.error("\(error.message) (at character \(error.offset + 1) of the template)", at: node)
                return nil
            }
        }
        if node.scalar != nil {
            return template(node, key: key).map { TemplatesByType(fallback: $0) }
        }
        guard let pairs = mapping(node, what: "'\(key)'") else { return nil }
        var templates = TemplatesByType()
        for (type, _, value) in pairs {
            guard let parsed = template(value, key: "\(key).\(type)") else { continue }
            if type == "default" { templates.fallback = parsed } else { templates.byType.append((Glob(type), parsed)) }
        }
        return templates
    }
}
