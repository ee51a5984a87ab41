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
