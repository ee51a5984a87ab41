/// A route's message templates, chosen by event type: the exact type first, then the first glob
/// that matches (in file order), then `default`. Slack's `text` and Discord's `content` both
/// read this way.
package struct TemplatesByType: Sendable, Equatable {
    package var byType: [(pattern: Glob, template: Template)]
    package var fallback: Template?

    /// Used when a route gives no template at all.
    package static let builtInDefault: Template = try! Template("Moda event {{type}}{{event}} ({{id}}{{job_id}})")

    package init(byType: [(pattern: Glob, template: Template)] = [], fallback: Template? = nil) {
        self.byType = byType
        self.fallback = fallback
    }

    /// The template for `type`, or nil when none applies.
    package func template(for type: String) -> Template? {
        if let exact = byType.first(where: { $0.pattern.pattern == type }) { return exact.template }
        if let glob = byType.first(where: { $0.pattern.matches(type) }) { return glob.template }
        return fallback
    }

    package static func == (lhs: TemplatesByType, rhs: TemplatesByType) -> Bool {
        lhs.fallback == rhs.fallback
            && lhs.byType.map { "\($0.pattern)=\($0.template.source)" }
                == rhs.byType.map { "\($0.pattern)=\($0.template.source)" }
    }
}
