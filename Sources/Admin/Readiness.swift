import RelayCore

/// The answer of `/readyz`: ready, or not with reasons; warnings (disabled routes, a rejected
/// reload, damage found) either way. Each reason has a stable code.
///
/// `/readyz` needs no token (a balancer probes it), so what it shows to anyone is the status and
/// the codes; the details (paths, OS errors, the store's host and database, reload diagnostics)
/// only to a caller with the admin token, or to anyone when no token is configured (the admin
/// listener is then loopback only).
package struct Readiness: Sendable {
    /// One reason: a stable code (`spool_full`, `store_unavailable`, …) and its details.
    package struct Reason: Sendable, Equatable {
        package var code: String
        package var detail: String

        package init(_ code: String, _ detail: String) {
            self.code = code
            self.detail = detail
        }
    }

    package var problems: [Reason]
    package var warnings: [Reason]

    package init(problems: [Reason], warnings: [Reason]) {
        self.problems = problems
        self.warnings = warnings
    }

    package var isReady: Bool { problems.isEmpty }

    /// With `details`: `reasons` and `warnings` in words, and their codes apart; without: the
    /// codes only (each once).
    package func json(details: Bool) -> String {
        func codes(_ reasons: [Reason]) -> JSONValue {
            var seen = Set<String>()
            return .array(reasons.map(\.code).filter { seen.insert($0).inserted }.map(JSONValue.string))
        }
        guard details else {
            return JSONValue.object(["ok": .bool(isReady), "reasons": codes(problems), "warnings": codes(warnings)])
                .compactJSON
        }
        return JSONValue.object([
            "ok": .bool(isReady), "reasons": .array(problems.map { .string($0.detail) }),
            "warnings": .array(warnings.map { .string($0.detail) }),
            "reason_codes": codes(problems), "warning_codes": codes(warnings),
        ]).compactJSON
    }
}
