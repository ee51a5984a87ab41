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
        "{\"a\":1} x", "\"\\x\"", "\"\\ud800\"", "[1 2]", "{'a':1}", "nul",
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
}
