import RelayTestSupport
import Testing

@testable import RelayCore

@Suite struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func parsesNestedDocument() throws {
        let value = try parse(#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "d"}, "e": ""} "#)
        #expect(value["a"] == .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null]))
        #expect(value.value(at: ["b", "c"]) == .string("d"))
        #expect(value.value(at: ["a", "1"])?.numberValue == -2500)
        #expect(value["e"] == .string(""))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try parse(#"{"s": "a\"b\\c\/d\n\t\u00e9\ud83d\ude00"}"#)
        #expect(value["s"] == .string("a\"b\\c/d\n\té😀"))
        let raw = try parse("{\"s\": \"é😀\"}")
        #expect(raw["s"] == .string("é😀"))
    }

    @Test(arguments: [
        "", "{", "}", "[1,]", "{\"a\":}", "{\"a\" 1}", "01", "1.", "-", "tru", "\"abc", "\"a\nb\"",
        "{\"a\":1} x", "\"\\x\"", "\"\\ud800\\uzzzz\"", "[1 2]", "{'a':1}", "nul",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: JSONParser.Error.self) { try parse(text) }
        // The ingress fast path validates exactly as strictly.
        #expect(throws: JSONParser.Error.self) {
            try Array(text.utf8).withUnsafeBytes { try JSONParser.parseTopLevel($0, keys: ["a"]) }
        }
        let wrapped = "{\"x\": " + text + "}"
        #expect(throws: JSONParser.Error.self) {
            try Array(wrapped.utf8).withUnsafeBytes { try JSONParser.parseTopLevel($0, keys: ["a"]) }
        }
    }

    @Test func topLevelCaptureKeepsOnlyNamedMembers() throws {
        let text = #"{"id":"evt_1","data":{"deep":[1,{"x":"\u00e9"}]},"type":"task.succeeded","n":-1.5e2}"#
        let value = try Array(text.utf8).withUnsafeBytes { try JSONParser.parseTopLevel($0, keys: ["id", "type"]) }
        #expect(value == .object(["id": .string("evt_1"), "type": .string("task.succeeded")]))
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParser.Error.self) {
            try Array(("{\"x\":" + deep + "}").utf8).withUnsafeBytes { try JSONParser.parseTopLevel($0, keys: []) }
        }
    }

    @Test func limitsNesting() throws {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParser.Error.self) { try parse(deep) }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try parse(fine)
    }

    @Test func renderedTextAndCompactJSON() throws {
        let value = try parse(#"{"n": 42, "f": 1.50, "o": {"b": 1, "a": "x\"y"}, "l": [null]}"#)
        #expect(value["n"]?.renderedText == "42")
        #expect(value["f"]?.renderedText == "1.50")
        #expect(value["o"]?.renderedText == #"{"a":"x\"y","b":1}"#)
        #expect(value["l"]?.renderedText == "[null]")
    }

    func parseBytes(_ bytes: [UInt8]) throws(JSONParser.Error) -> JSONValue { try JSONParser.parse(bytes) }

    /// Hardening finding 3: invalid UTF-8 inside strings used to be replaced by U+FFFD.
    @Test(
        arguments: [
            [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0x80], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
            [0xC3, 0x28], [0xE2, 0x28, 0xA1],
        ] as [[UInt8]])
    func invalidUTF8InStringsIsRefused(_ sequence: [UInt8]) {
        let document = Array(#"{"s":"a"#.utf8) + sequence + Array(#"b"}"#.utf8)
        #expect(throws: JSONParser.Error.self) { try parseBytes(document) }
        #expect(throws: JSONParser.Error.self) {
            try document.withUnsafeBytes { try JSONParser.parseTopLevel($0, keys: []) }
        }
        let escaped = Array(#"{"s":"\n"#.utf8) + sequence + Array(#""}"#.utf8)
        #expect(throws: JSONParser.Error.self) { try parseBytes(escaped) }
    }

    @Test func wellFormedMultiByteUTF8IsAccepted() throws {
        for text in [
            "\u{7F}", "\u{80}", "\u{7FF}", "\u{800}", "\u{D7FF}", "\u{E000}", "\u{FFFD}", "\u{10000}", "\u{10FFFF}",
        ] {
            #expect(try parse("{\"s\":\"\(text)\"}")["s"] == .string(text))
            #expect(try parse("{\"s\":\"\\n\(text)\"}")["s"] == .string("\n" + text))
        }
    }

    /// A lone surrogate escape is valid RFC 8259 (Python and JavaScript accept it); it decodes
    /// to U+FFFD, and an escape after an unpaired high surrogate is read on its own.
    @Test func loneSurrogateEscapesAreAcceptedAsReplacementCharacters() throws {
        #expect(try parse(#"["\ud800"]"#) == .array([.string("\u{FFFD}")]))
        #expect(try parse(#"["\udc00x"]"#) == .array([.string("\u{FFFD}x")]))
        #expect(try parse(#"["\ud800\u0041"]"#) == .array([.string("\u{FFFD}A")]))
        #expect(try parse(#"["\ud800\ud800\udc00"]"#) == .array([.string("\u{FFFD}\u{10000}")]))
        #expect(try parse(#"["\udbff\udfff"]"#) == .array([.string("\u{10FFFF}")]))
        #expect(try parse(#"["\ud800\n"]"#) == .array([.string("\u{FFFD}\n")]))
    }

    @Test func namedTopLevelMembersMustBeUnique() throws {
        let doubled = Array(#"{"id":"a","data":{"id":"x","id":"y"},"id":"b"}"#.utf8)
        #expect(throws: JSONParser.Error.self) {
            try doubled.withUnsafeBytes { try JSONParser.parse($0, unique: ["id"]) }
        }
        #expect(throws: JSONParser.Error.self) {
            try doubled.withUnsafeBytes { try JSONParser.parseTopLevel($0, keys: ["id"], unique: ["id"]) }
        }
        // Nested repeats, and repeats of names not asked for, are fine.
        let nested = Array(#"{"id":"a","data":{"id":"x","id":"y"},"n":1,"n":2}"#.utf8)
        #expect(try nested.withUnsafeBytes { try JSONParser.parse($0, unique: ["id"]) }["id"] == .string("a"))
    }

    /// Property: a string literal of random bytes (no quote, backslash or control byte) parses
    /// exactly when the bytes are valid UTF-8, and then to exactly that text.
    @Test func randomByteStringsParseIffTheyAreValidUTF8() throws {
        var rng = SeededRandom(seed: PropertySeed.value)
        var accepted = 0
        for _ in 0..<20_000 {
            let count = Int(rng.next() % 12)
            var bytes: [UInt8] = []
            for _ in 0..<count {
                // Bias toward the interesting high range.
                let byte = rng.next() % 3 == 0 ? UInt8(0x20 + rng.next() % 0x60) : UInt8(0x80 + rng.next() % 0x80)
                bytes.append(byte == 0x22 || byte == 0x5C ? 0x41 : byte)
            }
            let reference = String(validating: bytes, as: UTF8.self)
            let parsed = try? parseBytes([0x22] + bytes + [0x22])
            #expect(parsed == reference.map { .string($0) }, "\(bytes); \(PropertySeed.note)")
            if reference != nil { accepted += 1 }
        }
        #expect(accepted > 500)
    }

    /// Property: any Unicode text written with ``JSONValue/writeEscaped(_:to:)`` parses back to itself.
    @Test func randomUnicodeRoundTrips() throws {
        var rng = SeededRandom(seed: PropertySeed.value)
        for _ in 0..<5_000 {
            var text = ""
            for _ in 0..<Int(rng.next() % 10) {
                let value = UInt32(rng.next() % 0x11_0000)
                if let scalar = Unicode.Scalar(value) { text.unicodeScalars.append(scalar) }
            }
            var literal = ""
            JSONValue.writeEscaped(text, to: &literal)
            #expect(try parse("[" + literal + "]") == .array([.string(text)]), "\(PropertySeed.note)")
        }
    }
}
