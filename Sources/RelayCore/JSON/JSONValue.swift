/// A parsed JSON document. Numbers keep their source text so that templates render them
/// exactly as the sender wrote them; `numberValue` gives the numeric value for comparisons.
package enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
    /// JSON text already known to be one valid document (checked with ``JSONParser/isValid(_:)``),
    /// written as is: a stored event in an admin answer, never parsed into a tree.
    case raw(String)

    /// The value at a dotted path (`data.result.canvas_url`); array elements by index (`items.0`).
    package func value(at path: [Substring]) -> JSONValue? {
        var current = self
        for component in path {
            switch current {
            case .object(let members):
                guard let next = members[String(component)] else { return nil }
                current = next
            case .array(let elements):
                guard let index = Int(component), elements.indices.contains(index) else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    /// The member `key` of an object, or nil.
    package subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string payload, or nil for non-strings.
    package var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The numeric value of a number, or nil.
    package var numberValue: Double? {
        if case .number(let text) = self { return Double(text) }
        return nil
    }

    /// Text for templates: strings as-is, numbers as written, booleans and null as literals,
    /// arrays and objects as compact JSON.
    package var renderedText: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let text): return text
        case .string(let value): return value
        case .array, .object: return compactJSON
        case .raw(let text): return text
        }
    }

    /// The compact JSON serialisation of this value (object keys sorted).
    package var compactJSON: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .number(let text): out += text
        case .string(let value): JSONValue.writeEscaped(value, to: &out)
        case .raw(let text): out += text
        case .array(let elements):
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                element.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                JSONValue.writeEscaped(key, to: &out)
                out += ":"
                members[key]!.write(to: &out)
            }
            out += "}"
        }
    }

    /// Appends `text` as a JSON string literal, escaping quotes, backslashes and control characters
    /// (everything else, multi-byte UTF-8 included, is copied as is). Text that needs no escaping,
    /// the common case, is appended whole.
    package static func writeEscaped(_ text: String, to out: inout String) {
        var text = text
        let plain = text.withUTF8 { bytes in
            !bytes.contains { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }
        }
        out += "\""
        if plain {
            out += text
            out += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
