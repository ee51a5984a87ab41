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

    /// A JSON string or number read as the query parameters are (``AdminQuery/instant(_:name:)``).
    private static func instant(_ value: JSONValue?, name: String) throws(AdminQuery.Invalid) -> Int64? {
        guard let value else { return nil }
        switch value {
        case .string(let text), .number(let text): return try AdminQuery.instant(text, name: "'\(name)'")
        default: throw AdminQuery.Invalid("'\(name)' must be an RFC 3339 time or Unix seconds, as a string or number")
        }
    }
}
