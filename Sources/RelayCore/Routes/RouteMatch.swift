/// Which events a route takes: event types (names or globs; empty means every type) and
/// field predicates on dotted paths into the event JSON. All predicates must hold.
package struct RouteMatch: Sendable, Equatable {
    /// A scalar a field is compared with.
    package enum Scalar: Sendable, Equatable, CustomStringConvertible {
        case string(String)
        case number(Double)
        case bool(Bool)
        case null

        package var description: String {
            switch self {
            case .string(let value): return value
            case .number(let value): return String(value)
            case .bool(let value): return String(value)
            case .null: return "null"
            }
        }

        /// Whether a JSON value equals this scalar (numbers by value, so `3` equals `3.0`).
        package func matches(_ value: JSONValue) -> Bool {
            switch (self, value) {
            case (.string(let a), .string(let b)): return a == b
            case (.number(let a), .number): return value.numberValue == a
            case (.bool(let a), .bool(let b)): return a == b
            case (.null, .null): return true
            default: return false
            }
        }
    }

    /// `path` (split on dots) must equal one of `anyOf`.
    package struct FieldPredicate: Sendable, Equatable {
        package var path: String
        package var anyOf: [Scalar]

        package init(path: String, anyOf: [Scalar]) {
            self.path = path
            self.anyOf = anyOf
        }

        package func matches(_ json: JSONValue) -> Bool {
            guard let value = json.value(at: path.split(separator: ".", omittingEmptySubsequences: false)) else {
                return false
            }
            return anyOf.contains { $0.matches(value) }
        }
    }

    package var types: [Glob]
    package var fields: [FieldPredicate]

    package init(types: [Glob] = [], fields: [FieldPredicate] = []) {
        self.types = types
        self.fields = fields
    }

    /// Whether `event` satisfies every predicate.
    package func matches(_ event: Event) -> Bool {
        if !types.isEmpty, !types.contains(where: { $0.matches(event.type) }) { return false }
        return fields.allSatisfy { $0.matches(event.json) }
    }
}
