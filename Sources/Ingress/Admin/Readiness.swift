import RelayCore

/// The answer of `/readyz`: ready, or not with reasons; warnings (disabled routes, a rejected
/// reload) either way.
package struct Readiness: Sendable {
    package var problems: [String]
    package var warnings: [String]

    package var isReady: Bool { problems.isEmpty }

    package var json: String {
        JSONValue.object([
            "ok": .bool(isReady), "reasons": .array(problems.map(JSONValue.string)),
            "warnings": .array(warnings.map(JSONValue.string)),
        ]).compactJSON
    }
}
