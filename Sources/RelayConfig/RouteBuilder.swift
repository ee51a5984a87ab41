import RelayCore
import Yams

/// Collects a route's keys from YAML, reads the common ones, and hands the rest to the sink
/// kind named by `sink:`.
struct RouteBuilder {
    let name: String
    private let kinds: [any SinkRouteKeys]
    private var root: Node?
    private var sinkKind: (any SinkRouteKeys)?
    private var sinkNode: Node?
    private var present: [String: Node] = [:]
    private var sinkPairs: [(key: String, keyNode: Node, value: Node)] = []
    private var match = RouteMatch()
    /// Where the sink's exclusive key was written (line, column), for errors found across routes.
    private(set) var exclusivePosition: (line: Int, column: Int)?
    private var retry = RetryPolicy()
    private var timeout: Duration = .seconds(10)
    private var concurrency: Int?
    private var rate: Rate?
    private var enabled = true

    private static let commonKeys: Set<String> = [
        "sink", "match", "retry", "timeout", "concurrency", "rate", "enabled",
    ]
    private let allKeys: Set<String>

    init(name: String, kinds: [any SinkRouteKeys]) {
        self.name = name
        self.kinds = kinds
        allKeys = Self.commonKeys.union(kinds.flatMap(\.keys))
    }

    /// "file, http, slack or discord".
    private var kindNames: String {
        let names = kinds.map(\.kind)
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    mutating func read(_ pairs: [(key: String, keyNode: Node, value: Node)], root: Node, reader: inout YAMLReader) {
        self.root = root
        for (key, keyNode, value) in pairs {
            guard allKeys.contains(key) else {
                reader.error(
                    "unknown key '\(key)'; expected one of \(allKeys.sorted().joined(separator: ", "))",
                    at: keyNode)
                continue
            }
            present[key] = keyNode
            switch key {
            case "sink":
                sinkNode = value
                guard let kind = reader.string(value, key: key) else { continue }
                guard let found = kinds.first(where: { $0.kind == kind }) else {
                    reader.error("unknown sink '\(kind)'; expected \(kindNames)", at: value)
                    continue
                }
                sinkKind = found
            case "match": readMatch(value, reader: &reader)
            case "retry": readRetry(value, reader: &reader)
            case "timeout": timeout = reader.duration(value, key: key) ?? timeout
            case "concurrency": concurrency = reader.integer(value, key: key, range: 1...1024)
            case "rate":
                guard let text = reader.string(value, key: key) else { continue }
                guard let parsed = Rate(parsing: text) else {
                    reader.error("'rate' must look like 1/s, 30/m or 500/h, got '\(text)'", at: value)
                    continue
                }
                rate = parsed
            case "enabled": enabled = reader.bool(value, key: key) ?? enabled
            default: sinkPairs.append((key, keyNode, value))
            }
        }
    }

    /// Checks required and sink-specific keys and builds the route (disabled if a variable is unset).
    mutating func build(reader: inout YAMLReader) -> Route? {
        guard let sinkKind else {
            if present["sink"] == nil { reader.error("missing required key 'sink' (\(kindNames))", at: root) }
            return nil
        }
        let kind = sinkKind.kind
        for (key, keyNode, _) in sinkPairs where !sinkKind.keys.contains(key) {
            reader.error("key '\(key)' does not apply to a \(kind) sink", at: keyNode)
        }
        for required in sinkKind.requiredKeys where present[required] == nil {
            reader.error("missing required key '\(required)' for a \(kind) sink", at: sinkNode)
        }
        let own = sinkPairs.filter { sinkKind.keys.contains($0.key) }
        if let exclusive = sinkKind.exclusiveKey, let node = own.first(where: { $0.key == exclusive })?.value {
            exclusivePosition = node.mark.map { ($0.line, $0.column) }
        }
        let settings = sinkKind.settings(from: own, route: name, reader: &reader)
        guard !reader.hasErrors, let settings else { return nil }

        var disabledReason: String? = enabled ? nil : "disabled in its route file (enabled: false)"
        if let missing = reader.missingVariables.first {
            let names = Array(Set(reader.missingVariables.map(\.name))).sorted().joined(separator: ", ")
            disabledReason = "environment variable \(names) is not set"
            reader.warning(
                "route '\(name)' is disabled: \(disabledReason!)", line: missing.line, column: missing.column)
        }
        return Route(
            name: name, sink: settings, match: match, retry: retry, timeout: timeout, concurrency: concurrency,
            rate: rate, enabled: disabledReason == nil, disabledReason: disabledReason)
    }

    private mutating func readMatch(_ node: Node, reader: inout YAMLReader) {
        guard let pairs = reader.mapping(node, what: "'match'") else { return }
        for (key, keyNode, value) in pairs {
            if key == "type" {
                guard let values = reader.stringList(value, key: "match.type") else { continue }
                for (pattern, patternNode) in values where pattern.isEmpty {
                    reader.error("'match.type' must not be empty", at: patternNode)
                }
                match.types += values.map { Glob($0.0) }
                continue
            }
            let components = key.split(separator: ".", omittingEmptySubsequences: false)
            guard components.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else {
                reader.error("match key '\(key)' must be 'type' or a dotted path like data.kind", at: keyNode)
                continue
            }
            var scalars: [RouteMatch.Scalar] = []
            if let sequence = value.sequence {
                for element in sequence {
                    if let scalar = reader.matchScalar(element, key: key) { scalars.append(scalar) }
                }
                if sequence.count == 0 { reader.error("'match.\(key)' must not be an empty list", at: value) }
            } else if let scalar = reader.matchScalar(value, key: key) {
                scalars.append(scalar)
            }
            if !scalars.isEmpty { match.fields.append(RouteMatch.FieldPredicate(path: key, anyOf: scalars)) }
        }
    }

    private mutating func readRetry(_ node: Node, reader: inout YAMLReader) {
        guard let pairs = reader.mapping(node, what: "'retry'") else { return }
        var attempts = retry.maxAttempts
        var backoff = retry.initialBackoff
        var maxBackoff = retry.maximumBackoff
        var maxAge = retry.maxAge
        for (key, keyNode, value) in pairs {
            switch key {
            case "max_attempts":
                attempts = reader.integer(value, key: "retry.max_attempts", range: 1...1000) ?? attempts
            case "backoff": backoff = reader.duration(value, key: "retry.backoff") ?? backoff
            case "max_backoff": maxBackoff = reader.duration(value, key: "retry.max_backoff") ?? maxBackoff
            case "max_age": maxAge = reader.duration(value, key: "retry.max_age") ?? maxAge
            default:
                reader.error(
                    "unknown key 'retry.\(key)'; expected max_attempts, backoff, max_backoff, max_age", at: keyNode)
            }
        }
        do {
            retry = try RetryPolicy(
                maxAttempts: attempts, initialBackoff: backoff, maximumBackoff: maxBackoff, maxAge: maxAge)
        } catch {
            reader.error("invalid retry policy: \(error.message)", at: node)
        }
    }
}
