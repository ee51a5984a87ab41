/// Slack's `mrkdwn` text rules for values substituted into a template.
package enum SlackText {
    /// `&`, `<`, `>` become entities, so values can never form `<!channel>` mentions or
    /// `<url|label>` links.
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
}
