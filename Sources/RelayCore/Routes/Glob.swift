/// A shell-style pattern for event types: `*` matches any run of characters, `?` any one.
/// `task.*` matches `task.succeeded`; a pattern without wildcards matches only itself.
package struct Glob: Sendable, Equatable, CustomStringConvertible {
    package let pattern: String
    private let scalars: [Unicode.Scalar]
    private let isLiteral: Bool

    package init(_ pattern: String) {
        self.pattern = pattern
        self.scalars = Array(pattern.unicodeScalars)
        self.isLiteral = !pattern.contains("*") && !pattern.contains("?")
    }

    package var description: String { pattern }

    /// Whether `text` matches the whole pattern.
    package func matches(_ text: String) -> Bool {
        if isLiteral { return text == pattern }
        let input = Array(text.unicodeScalars)
        var p = 0
        var t = 0
        var star: Int? = nil
        var starText = 0
        while t < input.count {
            if p < scalars.count, scalars[p] == "?" || scalars[p] == input[t] {
                p += 1
                t += 1
            } else if p < scalars.count, scalars[p] == "*" {
                star = p
                starText = t
                p += 1
            } else if let starIndex = star {
                p = starIndex + 1
                starText += 1
                t = starText
            } else {
                return false
            }
        }
        while p < scalars.count, scalars[p] == "*" { p += 1 }
        return p == scalars.count
    }
}
