/// What the admin API reads from a request's query string, pure and fuzzed: percent-decoding,
/// and whole numbers and instants checked for range (every number from the network is parsed
/// with overflow checks, and a bad one is a reason, never a trap).
package enum AdminQuery {
    /// A parameter that cannot be used, with the reason to answer (400).
    package struct Invalid: Error, Equatable, Sendable {
        package var reason: String
        package init(_ reason: String) { self.reason = reason }
    }

    /// `a=1&b=x%20y` → `["a": "1", "b": "x y"]` (`+` is a space; the last repeat wins; names
    /// that do not decode to UTF-8 are skipped, values that do not are empty).
    package static func parse(_ text: Substring) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first.flatMap({ decode($0) }), !name.isEmpty else { continue }
            out[name] = parts.count > 1 ? decode(parts[1]) ?? "" : ""
        }
        return out
    }

    /// Percent-decoding (and `+` as a space) to UTF-8, or nil.
    package static func decode(_ text: Substring) -> String? {
        try? PercentEncoding.decode(text, plusIsSpace: true)
    }

    /// A whole number in `range`, `value` if absent. `Int(_:)` refuses overflow.
    package static func count(_ text: String?, name: String, default value: Int, range: ClosedRange<Int>)
        throws(Invalid) -> Int
    {
        guard let text else { return value }
        guard let parsed = Int(text), range.contains(parsed) else {
            throw Invalid("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return parsed
    }

    /// An instant (RFC 3339 or Unix seconds) in milliseconds, nil if absent.
    package static func instant(_ text: String?, name: String) throws(Invalid) -> Int64? {
        guard let text else { return nil }
        guard let millis = Timestamp.parse(text) else {
            throw Invalid("\(name) must be an RFC 3339 time (2026-11-23T10:00:00Z) or Unix seconds")
        }
        return millis
    }

    /// `1`, `true` or `yes`.
    package static func flag(_ text: String?) -> Bool { ["1", "true", "yes"].contains(text ?? "") }
}

/// The `status` filter of `/admin/deliveries`: an outcome, `error` (no answer), an HTTP code, or
/// a class like `5xx`.
package enum DeliveryStatusFilter: Sendable, Equatable {
    case outcome(String)
    case noAnswer
    case code(Int)
    case codeClass(Int)

    package init?(_ text: String) {
        switch text {
        case "delivered", "retry", "dead", "paused": self = .outcome(text)
        case "error": self = .noAnswer
        default:
            let bytes = Array(text.utf8)
            guard bytes.count == 3, (UInt8(ascii: "1")...UInt8(ascii: "5")).contains(bytes[0]) else { return nil }
            let first = Int(bytes[0] - UInt8(ascii: "0"))
            if bytes[1] == UInt8(ascii: "x"), bytes[2] == UInt8(ascii: "x") {
                self = .codeClass(first)
            } else if let code = Int(text), (100...599).contains(code) {
                self = .code(code)
            } else {
                return nil
            }
        }
    }

    /// Whether an attempt with this outcome and answer status (nil: no answer) passes.
    package func matches(outcome: String, status: Int?) -> Bool {
        switch self {
        case .outcome(let wanted): return outcome == wanted
        case .noAnswer: return status == nil
        case .code(let code): return status == code
        case .codeClass(let first): return (status ?? 0) / 100 == first
        }
    }
}

/// The body of `POST /admin/dead/replay`: `{"sink":…}` with optional `ids`, `since`, `until`.
package struct ReplayRequest: Sendable, Equatable {
    package var sink: String
    package var ids: [String]?
    package var since: Int64?
    package var until: Int64?

    package init(json body: [UInt8]) throws(AdminQuery.Invalid) {
        guard let document = try? JSONParser.parse(body), case .object(let members) = document else {
            throw AdminQuery.Invalid(#"body must be a JSON object like {"sink":"NAME"}"#)
        }
        for key in members.keys.sorted() where !["sink", "ids", "since", "until"].contains(key) {
            throw AdminQuery.Invalid(
                "unknown key '\(LogEscaping.escape(String(key.prefix(64))))'; expected sink, ids, since, until")
        }
        guard let sink = members["sink"]?.stringValue, !sink.isEmpty else {
            throw AdminQuery.Invalid("'sink' (a string) is required")
        }
        self.sink = sink
        if let ids = members["ids"] {
            guard case .array(let elements) = ids, elements.allSatisfy({ $0.stringValue != nil }) else {
                throw AdminQuery.Invalid("'ids' must be a list of event ids (strings)")
            }
            self.ids = elements.compactMap(\.stringValue)
        }
        since = try Self.instant(members["since"], name: "since")
        until = try Self.instant(members["until"], name: "until")
    }

    private static func instant(_ value: JSONValue?, name: String) throws(AdminQuery.Invalid) -> Int64? {
        guard let value else { return nil }
        let text: String? =
            switch value {
            case .string(let string): string
            case .number(let number): number
            default: nil
            }
        guard let text, let millis = Timestamp.parse(text) else {
            throw AdminQuery.Invalid("'\(name)' must be an RFC 3339 time or Unix seconds")
        }
        return millis
    }
}
