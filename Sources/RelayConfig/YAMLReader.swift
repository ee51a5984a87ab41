import RelayCore
import Yams

/// Typed, position-aware access to a YAML-lite document: maps, lists, scalars and comments.
///
/// Every accessor records a ``ConfigDiagnostic`` (file, line, column) instead of throwing, so one
/// pass reports every problem in a file. Anchors, aliases, tags and multiple documents are not
/// part of YAML-lite and are errors.
package struct YAMLReader {
    package let file: String
    package let environment: [String: String]
    package private(set) var diagnostics: [ConfigDiagnostic] = []
    /// `${VAR}`s that were referenced but unset, with their positions.
    package private(set) var missingVariables: [(name: String, line: Int, column: Int)] = []

    package init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    package var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    package mutating func error(_ message: String, at node: Node?) {
        let mark = node?.mark
        diagnostics.append(
            ConfigDiagnostic(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message))
    }

    package mutating func warning(_ message: String, line: Int, column: Int) {
        diagnostics.append(
            ConfigDiagnostic(file: file, line: line, column: column, severity: .warning, message: message))
    }

    /// Parses `text` into its root node, recording a syntax error with its position.
    package mutating func parse(_ text: String) -> Node? {
        do {
            guard let root = try Yams.compose(yaml: text) else {
                diagnostics.append(ConfigDiagnostic(file: file, line: 1, column: 1, message: "file is empty"))
                return nil
            }
            return root
        } catch let yamlError as YamlError {
            var (line, column, problem) = Self.position(of: yamlError)
            if case .duplicatedKeysInMapping(let duplicates, _) = yamlError, let key = duplicates.first,
                let position = Self.secondOccurrence(ofKey: key, in: text)
            {
                (line, column, problem) = (position.line, position.column, "duplicate key '\(key)'")
            } else if problem.contains("another document") {
                problem = "only one YAML document is allowed per file"
            }
            diagnostics.append(
                ConfigDiagnostic(file: file, line: line, column: column, message: "YAML syntax error: \(problem)"))
            return nil
        } catch {
            diagnostics.append(ConfigDiagnostic(file: file, line: 1, column: 1, message: "YAML syntax error: \(error)"))
            return nil
        }
    }

    /// Where `key:` starts a line for the second time (Yams reports duplicates at the map's start).
    private static func secondOccurrence(ofKey key: String, in text: String) -> (line: Int, column: Int)? {
        var found = 0
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let indent = line.prefix { $0 == " " }.count
            if line.dropFirst(indent).hasPrefix(key + ":") {
                found += 1
                if found == 2 { return (index + 1, indent + 1) }
            }
        }
        return nil
    }

    private static func position(of error: YamlError) -> (Int, Int, String) {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return (mark.line, mark.column, problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return (context.mark.line, context.mark.column, "duplicate keys \(duplicates.joined(separator: ", "))")
        default:
            return (1, 1, "\(error)")
        }
    }

    /// The pairs of a mapping node (keys as strings), or nil with an error. Duplicate and
    /// non-scalar keys are errors.
    package mutating func mapping(_ node: Node, what: String) -> [(key: String, keyNode: Node, value: Node)]? {
        guard checkLite(node) else { return nil }
        guard let mapping = node.mapping else {
            error("\(what) must be a map", at: node)
            return nil
        }
        var seen = Set<String>()
        var pairs: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                error("keys in \(what) must be plain strings", at: keyNode)
                continue
            }
            guard seen.insert(key).inserted else {
                error("duplicate key '\(key)'", at: keyNode)
                continue
            }
            guard checkLite(value) else { continue }
            pairs.append((key, keyNode, value))
        }
        return pairs
    }

    /// Rejects aliases and explicit tags.
    private mutating func checkLite(_ node: Node) -> Bool {
        if case .alias = node {
            error("anchors and aliases are not supported in route files", at: node)
            return false
        }
        let tag = node.tag.description
        if !tag.hasPrefix("tag:yaml.org,2002:") && tag != "!" && !tag.isEmpty {
            error("explicit tags are not supported", at: node)
            return false
        }
        return true
    }

    /// A scalar as a string with `${VAR}` replaced; nil (with an error) for maps and lists, and
    /// nil (with the variable recorded) when a variable is unset.
    package mutating func string(_ node: Node, key: String) -> String? {
        guard checkLite(node), let scalar = node.scalar else {
            error("'\(key)' must be a string", at: node)
            return nil
        }
        return expand(scalar.string, at: node)
    }

    /// A scalar or a list of scalars, as strings.
    package mutating func stringList(_ node: Node, key: String) -> [(String, Node)]? {
        if let sequence = node.sequence {
            var out: [(String, Node)] = []
            for element in sequence {
                guard let value = string(element, key: key) else { return nil }
                out.append((value, element))
            }
            if out.isEmpty { error("'\(key)' must not be an empty list", at: node) }
            return out
        }
        return string(node, key: key).map { [($0, node)] }
    }

    package mutating func integer(_ node: Node, key: String, range: ClosedRange<Int>) -> Int? {
        guard let scalar = node.scalar, scalar.style == .plain, let value = Int(scalar.string) else {
            error("'\(key)' must be an integer", at: node)
            return nil
        }
        guard range.contains(value) else {
            error("'\(key)' must be between \(range.lowerBound) and \(range.upperBound), got \(value)", at: node)
            return nil
        }
        return value
    }

    package mutating func bool(_ node: Node, key: String) -> Bool? {
        guard let scalar = node.scalar, scalar.style == .plain else {
            error("'\(key)' must be true or false", at: node)
            return nil
        }
        switch scalar.string {
        case "true": return true
        case "false": return false
        default:
            error("'\(key)' must be true or false", at: node)
            return nil
        }
    }

    package mutating func duration(_ node: Node, key: String) -> Duration? {
        setting(node, key: key, SettingValue.duration)
    }

    /// A duration that may be zero (`0s`, `0`) or `off`.
    package mutating func durationOrOff(_ node: Node, key: String) -> Duration? {
        setting(node, key: key, SettingValue.durationOrOff)
    }

    package mutating func size(_ node: Node, key: String) -> Int64? {
        guard let text = string(node, key: key) else { return nil }
        guard let value = SizeParser.parse(text), value > 0 else {
            error("'\(key)' must be a positive size like 1048576, 512KiB or 64MiB, got '\(text)'", at: node)
            return nil
        }
        return value
    }

    /// A match value: plain `true`/`false`/numbers/`null` keep their type; everything else is a string.
    package mutating func matchScalar(_ node: Node, key: String) -> RouteMatch.Scalar? {
        guard let scalar = node.scalar else {
            error("'\(key)' must be a scalar or a list of scalars", at: node)
            return nil
        }
        if scalar.style == .plain {
            switch scalar.string {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null", "~": return .null
            default:
                if let number = Double(scalar.string), scalar.string.first.map({ $0.isNumber || $0 == "-" }) == true {
                    return .number(number)
                }
            }
        }
        return expand(scalar.string, at: node).map { .string($0) }
    }

    /// Replaces `${NAME}` with the environment's value. An unset variable is recorded and nil
    /// returned; malformed references are errors.
    package mutating func expand(_ text: String, at node: Node) -> String? {
        guard text.contains("${") else { return text }
        var out = ""
        var rest = Substring(text)
        var missing = false
        while let open = rest.firstRange(of: "${") {
            out += rest[rest.startIndex..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                error("unterminated '${' in value", at: node)
                return nil
            }
            let name = String(rest[open.upperBound..<close])
            guard let first = name.first, first == "_" || (first.isASCII && first.isLetter),
                name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
            else {
                error("invalid variable name '\(name)' in '${…}'", at: node)
                return nil
            }
            if let value = environment[name], !value.isEmpty {
                out += value
            } else {
                missing = true
                missingVariables.append((name, node.mark?.line ?? 1, node.mark?.column ?? 1))
            }
            rest = rest[rest.index(after: close)...]
        }
        out += rest
        return missing ? nil : out
    }
}
