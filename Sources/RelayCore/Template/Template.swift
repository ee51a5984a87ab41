/// A message template with `{{dotted.path}}` placeholders that read the event JSON.
///
/// A path that does not exist renders as the empty string. Each substituted value goes
/// through an escaping function chosen by the sink (Slack escapes `&`, `<`, `>`); the
/// template's literal text is the operator's and is not escaped.
package struct Template: Sendable, Equatable {
    package enum Part: Sendable, Equatable {
        case literal(String)
        case placeholder([Substring])
    }

    /// A syntax error and its offset (in characters) inside the template text.
    package struct SyntaxError: Error, Equatable {
        package var message: String
        package var offset: Int
    }

    package let source: String
    package let parts: [Part]

    /// Parses `source`; an unterminated `{{` or an empty or malformed path is an error.
    package init(_ source: String) throws(SyntaxError) {
        self.source = source
        var parts: [Part] = []
        var rest = Substring(source)
        var offset = 0
        while let open = rest.firstRange(of: "{{") {
            let literal = rest[rest.startIndex..<open.lowerBound]
            if !literal.isEmpty { parts.append(.literal(String(literal))) }
            let placeholderOffset = offset + literal.count
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.firstRange(of: "}}") else {
                throw SyntaxError(message: "unterminated '{{' in template", offset: placeholderOffset)
            }
            let path = afterOpen[afterOpen.startIndex..<close.lowerBound].trimmingCharacters(in: " ")
            let components = Substring(path).split(separator: ".", omittingEmptySubsequences: false)
            guard !path.isEmpty,
                components.allSatisfy({
                    !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
                })
            else {
                throw SyntaxError(
                    message: "invalid placeholder '{{\(path)}}': expected a dotted path like data.result.canvas_url",
                    offset: placeholderOffset)
            }
            parts.append(.placeholder(components.map { Substring(String($0)) }))
            offset = placeholderOffset + 2 + afterOpen.distance(from: afterOpen.startIndex, to: close.upperBound)
            rest = afterOpen[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.literal(String(rest))) }
        self.parts = parts
    }

    /// Renders against `json`, passing each substituted value through `escape`.
    package func render(_ json: JSONValue, escape: (String) -> String = { $0 }) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .literal(let text): out += text
            case .placeholder(let path):
                if let value = json.value(at: path) { out += escape(value.renderedText) }
            }
        }
        return out
    }

    package static func == (lhs: Template, rhs: Template) -> Bool { lhs.source == rhs.source }
}
