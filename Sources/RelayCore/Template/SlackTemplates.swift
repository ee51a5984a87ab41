/// A Slack route's templates: chosen by event type, exact name first, then the first glob
/// that matches (in file order), then `default`.
package struct SlackTemplates: Sendable, Equatable {
    package var byType: [(pattern: Glob, template: Template)]
    package var fallback: Template?

    /// Used when a route gives no `text` at all.
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

    /// Slack's escaping for text: `&`, `<`, `>` become entities, so values can never form
    /// `<!channel>` mentions or `<url|label>` links.
    ///
    /// It works on Unicode scalars, as Slack reads the text. Swift `Character`s are grapheme
    /// clusters: `"\u{0600}<"` (a prepend mark) or `">\u{0301}"` (a combining mark) is one
    /// `Character` that is not `"<"`, and would slip through unescaped.
    package static func escape(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    package static func == (lhs: SlackTemplates, rhs: SlackTemplates) -> Bool {
        lhs.fallback == rhs.fallback
            && lhs.byType.map { "\($0.pattern)=\($0.template.source)" }
                == rhs.byType.map { "\($0.pattern)=\($0.template.source)" }
    }
}
