import RelayCore
import Yams

/// Collects a route's keys from YAML, then validates them against the sink kind.
struct RouteBuilder {
    let name: String
    private var root: Node?
    private var sinkKind: String?
    private var sinkNode: Node?
    private var present: [String: Node] = [:]
    private var match = RouteMatch()
    private var path: String?
    /// Where `path` was written (line, column), for errors found across routes.
    private(set) var pathPosition: (line: Int, column: Int)?
    private var maxBytes: Int64 = 100 << 20
    private var keep = 5
    private var url: String?
    private var headers: [(String, String)] = []
    private var signSecret: String?
    private var templates: SlackTemplates?
    private var retry = RetryPolicy()
    private var timeout: Duration = .seconds(10)
    private var concurrency: Int?
    private var rate: Rate?
    private var enabled = true

    private static let keysBySink: [String: Set<String>] = [
        "file": ["path", "max_bytes", "keep"],
        "http": ["url", "headers", "sign_secret"],
        "slack": ["url", "text"],
    ]
    private static let commonKeys: Set<String> = [
        "sink", "match", "retry", "timeout", "concurrency", "rate", "enabled",
    ]
    private static let allKeys = commonKeys.union(keysBySink.values.joined())

    init(name: String) { self.name = name }

    mutating func read(_ pairs: [(key: String, keyNode: Node, value: Node)], root: Node, reader: inout YAMLReader) {
        self.root = root
        for (key, keyNode, value) in pairs {
            guard Self.allKeys.contains(key) else {
                reader.error(
                    "unknown key '\(key)'; expected one of \(Self.allKeys.sorted().joined(separator: ", "))",
                    at: keyNode)
                continue
            }
            present[key] = keyNode
            switch key {
            case "sink":
                sinkNode = value
                guard let kind = reader.string(value, key: key) else { continue }
                guard Self.keysBySink[kind] != nil else {
                    reader.error("unknown sink '\(kind)'; expected file, http or slack", at: value)
                    continue
                }
                sinkKind = kind
            case "match": readMatch(value, reader: &reader)
            case "path":
                path = reader.string(value, key: key)
                pathPosition = value.mark.map { ($0.line, $0.column) }
            case "max_bytes": maxBytes = reader.size(value, key: key) ?? maxBytes
            case "keep": keep = reader.integer(value, key: key, range: 0...1000) ?? keep
            case "url": url = readURL(value, reader: &reader)
            case "headers": readHeaders(value, reader: &reader)
            case "sign_secret": signSecret = readSignSecret(value, reader: &reader)
            case "text": templates = readTemplates(value, reader: &reader)
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
            default: break
            }
        }
    }

    /// Checks required and sink-specific keys and builds the route (disabled if a variable is unset).
    func build(reader: inout YAMLReader) -> Route? {
        guard let sinkKind else {
            if present["sink"] == nil { reader.error("missing required key 'sink' (file, http or slack)", at: root) }
            return nil
        }
        let allowed = Self.keysBySink[sinkKind]!
        for (key, node) in present where !Self.commonKeys.contains(key) && !allowed.contains(key) {
            reader.error("key '\(key)' does not apply to a \(sinkKind) sink", at: node)
        }
        let required = sinkKind == "file" ? "path" : "url"
        if present[required] == nil {
            reader.error("missing required key '\(required)' for a \(sinkKind) sink", at: sinkNode)
        }
        guard !reader.hasErrors else { return nil }

        var disabledReason: String? = enabled ? nil : "disabled in its route file (enabled: false)"
        if let missing = reader.missingVariables.first {
            let names = Array(Set(reader.missingVariables.map(\.name))).sorted().joined(separator: ", ")
            disabledReason = "environment variable \(names) is not set"
            reader.warning(
                "route '\(name)' is disabled: \(disabledReason!)", line: missing.line, column: missing.column)
        }
        let sink: Route.Sink
        switch sinkKind {
        case "file": sink = .file(path: path ?? "", maxBytes: maxBytes, keep: keep)
        case "http": sink = .http(url: url ?? "", headers: headers, signSecret: signSecret)
        default:
            sink = .slack(
                url: url ?? "", templates: templates ?? SlackTemplates(fallback: SlackTemplates.builtInDefault))
        }
        return Route(
            name: name, sink: sink, match: match, retry: retry, timeout: timeout, concurrency: concurrency, rate: rate,
            enabled: disabledReason == nil, disabledReason: disabledReason)
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

    private func readURL(_ node: Node, reader: inout YAMLReader) -> String? {
        guard let text = reader.string(node, key: "url") else { return nil }
        let lower = text.lowercased()
        // Bytes, not Characters: " \u{301}" or "\r\n" is one Character that is not " " or "\n".
        guard (lower.hasPrefix("http://") || lower.hasPrefix("https://")), text.utf8.count > 8,
            !text.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F })
        else {
            reader.error("'url' must be an http:// or https:// URL with no spaces or control characters", at: node)
            return nil
        }
        return text
    }

    /// RFC 9110 token characters, checked byte by byte.
    static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                    return true
                default:
                    return false
                }
            }
    }

    /// A header value may hold no control byte but tab: CR or LF would split the request. Checked
    /// on bytes: `"\r\n"` is a single `Character`, so `contains("\r")` misses it.
    static func isHeaderValue(_ value: String) -> Bool {
        !value.utf8.contains { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }
    }

    private mutating func readHeaders(_ node: Node, reader: inout YAMLReader) {
        guard let pairs = reader.mapping(node, what: "'headers'") else { return }
        let reserved: Set<String> = ["content-length", "content-type", "host", "transfer-encoding", "connection"]
        for (key, keyNode, value) in pairs {
            guard Self.isHeaderName(key) else {
                reader.error("invalid header name '\(key)'", at: keyNode)
                continue
            }
            guard !reserved.contains(key.lowercased()) else {
                reader.error("header '\(key)' is set by the relay and cannot be overridden", at: keyNode)
                continue
            }
            guard let text = reader.string(value, key: "headers.\(key)") else { continue }
            guard Self.isHeaderValue(text) else {
                reader.error("header '\(key)' must not contain line breaks or other control characters", at: value)
                continue
            }
            headers.append((key, text))
        }
    }

    private func readSignSecret(_ node: Node, reader: inout YAMLReader) -> String? {
        guard let text = reader.string(node, key: "sign_secret") else { return nil }
        guard text.hasPrefix("whsec_"), (try? StandardWebhooksSigner(secret: text)) != nil else {
            reader.error("'sign_secret' must be 'whsec_' followed by base64 (Standard Webhooks)", at: node)
            return nil
        }
        return text
    }

    private func readTemplates(_ node: Node, reader: inout YAMLReader) -> SlackTemplates? {
        func template(_ node: Node, key: String) -> Template? {
            guard let text = reader.string(node, key: key) else { return nil }
            do {
                return try Template(text)
            } catch {
                reader.error("\(error.message) (at character \(error.offset + 1) of the template)", at: node)
                return nil
            }
        }
        if node.scalar != nil {
            return template(node, key: "text").map { SlackTemplates(fallback: $0) }
        }
        guard let pairs = reader.mapping(node, what: "'text'") else { return nil }
        var templates = SlackTemplates()
        for (key, _, value) in pairs {
            guard let parsed = template(value, key: "text.\(key)") else { continue }
            if key == "default" { templates.fallback = parsed } else { templates.byType.append((Glob(key), parsed)) }
        }
        return templates
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
