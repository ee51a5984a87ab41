/// A strict RFC 8259 JSON parser over raw bytes.
///
/// Written for the ingress hot path: one pass, no intermediate tokens, strings without escapes
/// decoded straight from the buffer. Nesting is limited so that a hostile document cannot
/// exhaust the stack.
///
/// Strictness is exactly RFC 8259's: the text must be well-formed UTF-8 (RFC 3629: no overlong
/// forms, no encoded surrogates, nothing above U+10FFFF), and anything the grammar does not
/// allow is an error. The grammar does allow an escaped lone surrogate (`"\ud800"`), and so do
/// Python's and JavaScript's parsers, so it is accepted and decodes to U+FFFD. Duplicate member
/// names are allowed too, except for the top-level names a caller asks to be unique.
package struct JSONParser {
    /// Why a document was rejected, with the byte offset where parsing stopped.
    package struct Error: Swift.Error, Equatable, CustomStringConvertible {
        /// What kind of problem: bad syntax or encoding, or a repeated member that must be unique.
        package enum Kind: Sendable, Equatable {
            case syntax
            case duplicateMember(String)
        }

        package var message: String
        package var offset: Int
        package var kind: Kind = .syntax
        package var description: String { "\(message) at byte \(offset)" }
    }

    /// Deepest nesting of arrays and objects accepted.
    package static let maximumDepth = 64

    /// Parses one JSON document; trailing non-whitespace is an error. A top-level object member
    /// named in `unique` that appears twice is an error of kind ``Error/Kind/duplicateMember(_:)``.
    package static func parse(_ bytes: UnsafeRawBufferPointer, unique: Set<String> = []) throws(Error) -> JSONValue {
        var parser = Cursor(bytes: bytes, unique: unique)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected data after the document") }
        return value
    }

    /// Validates one whole JSON document like ``parse(_:)-(UnsafeRawBufferPointer)`` but builds values only
    /// for the top-level object members named in `keys`, returned as an object; everything else is
    /// checked and skipped without allocating. A document that is not an object yields `.array([])`.
    /// This is the ingress fast path: routing by type needs four members, not the whole tree.
    /// `unique` names top-level members that may not repeat (each must also be in `keys`).
    package static func parseTopLevel(
        _ bytes: UnsafeRawBufferPointer, keys: Set<String>, unique: Set<String> = []
    ) throws(Error) -> JSONValue {
        var parser = Cursor(bytes: bytes, unique: unique)
        parser.skipWhitespace()
        let value: JSONValue
        if parser.index < bytes.count, bytes[parser.index] == UInt8(ascii: "{") {
            value = try parser.parseObject(depth: 1, capturing: keys)
        } else {
            try parser.skipValue(depth: 0)
            value = .array([])
        }
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected data after the document") }
        return value
    }

    /// Whether `bytes` is one valid JSON document, checked as strictly as ``parse(_:)-(UnsafeRawBufferPointer)``
    /// without building any value.
    package static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in (try? parseTopLevel(buffer, keys: [])) != nil }
    }

    /// Parses one JSON document from a byte array.
    package static func parse(_ bytes: [UInt8]) throws(Error) -> JSONValue {
        do {
            return try bytes.withUnsafeBytes { buffer in try parse(buffer) }
        } catch let error as Error {
            throw error
        } catch {
            fatalError("unreachable: \(error)")
        }
    }

    struct Cursor {
        let bytes: UnsafeRawBufferPointer
        /// Top-level member names that may appear only once.
        let unique: Set<String>
        var index = 0

        init(bytes: UnsafeRawBufferPointer, unique: Set<String>) {
            self.bytes = bytes
            self.unique = unique
        }

        func error(_ message: String) -> Error { Error(message: message, offset: index) }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func parseValue(depth: Int) throws(Error) -> JSONValue {
            guard index < bytes.count else { throw error("unexpected end of document") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
            case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
            case UInt8(ascii: "n"): try expectLiteral("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
            default: throw error("unexpected character")
            }
        }

        mutating func expectLiteral(_ literal: StaticString) throws(Error) {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw error("invalid literal") }
            for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] {
                throw error("invalid literal")
            }
            index += count
        }

        /// An object. With `capturing`, only the members it names are built; the others are
        /// validated and skipped.
        mutating func parseObject(depth: Int, capturing: Set<String>? = nil) throws(Error) -> JSONValue {
            guard depth <= JSONParser.maximumDepth else { throw error("nesting too deep") }
            index += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw error("expected a member name")
                }
                let key = try parseString()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
                index += 1
                skipWhitespace()
                if depth == 1, unique.contains(key), members[key] != nil {
                    var failure = error("duplicate top-level member '\(key)'")
                    failure.kind = .duplicateMember(key)
                    throw failure
                }
                if capturing?.contains(key) ?? true {
                    members[key] = try parseValue(depth: depth)
                } else {
                    try skipValue(depth: depth)
                }
                skipWhitespace()
                guard index < bytes.count else { throw error("unterminated object") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(members)
                } else {
                    throw error("expected ',' or '}'")
                }
            }
        }

        /// Checks one value with the same strictness as ``parseValue(depth:)`` without building it.
        mutating func skipValue(depth: Int) throws(Error) {
            guard index < bytes.count else { throw error("unexpected end of document") }
            switch bytes[index] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = bytes[index] == UInt8(ascii: "{")
                let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                guard depth + 1 <= JSONParser.maximumDepth else { throw error("nesting too deep") }
                index += 1
                skipWhitespace()
                if index < bytes.count, bytes[index] == close {
                    index += 1
                    return
                }
                while true {
                    skipWhitespace()
                    if isObject {
                        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                            throw error("expected a member name")
                        }
                        try skipString()
                        skipWhitespace()
                        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                            throw error("expected ':'")
                        }
                        index += 1
                        skipWhitespace()
                    }
                    try skipValue(depth: depth + 1)
                    skipWhitespace()
                    guard index < bytes.count else {
                        throw error(isObject ? "unterminated object" : "unterminated array")
                    }
                    if bytes[index] == UInt8(ascii: ",") {
                        index += 1
                    } else if bytes[index] == close {
                        index += 1
                        return
                    } else {
                        throw error(isObject ? "expected ',' or '}'" : "expected ',' or ']'")
                    }
                }
            case UInt8(ascii: "\""): try skipString()
            default: _ = try parseValue(depth: depth)
            }
        }

        /// Checks a string (escapes, control characters, UTF-8) without building it.
        mutating func skipString() throws(Error) {
            index += 1
            var scratch: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return
                }
                if byte < 0x20 { throw error("control character in string") }
                if byte == UInt8(ascii: "\\") {
                    index += 1
                    scratch.removeAll(keepingCapacity: true)
                    try appendEscape(to: &scratch)
                } else if byte < 0x80 {
                    index += 1
                } else {
                    index += try utf8SequenceLength()
                }
            }
            throw error("unterminated string")
        }

        mutating func parseArray(depth: Int) throws(Error) -> JSONValue {
            guard depth <= JSONParser.maximumDepth else { throw error("nesting too deep") }
            index += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try parseValue(depth: depth))
                skipWhitespace()
                guard index < bytes.count else { throw error("unterminated array") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(elements)
                } else {
                    throw error("expected ',' or ']'")
                }
            }
        }

        mutating func parseNumber() throws(Error) -> String {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count else { throw error("invalid number") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else if isDigit(bytes[index]) {
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            } else {
                throw error("invalid number")
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    }
}
