import Testing

@testable import RelayCore

@Suite struct TemplateTests {
    let event = try! JSONParser.parse(
        Array(
            #"{"id":"evt_1","type":"task.failed","data":{"error":{"message":"<!channel> & friends","request_id":"req_9"},"n":3}}"#
                .utf8))

    @Test func rendersPathsAndMissingValuesAsEmpty() throws {
        let template = try Template(
            "failed: {{data.error.message}} (request_id={{ data.error.request_id }}) {{data.nope}}!")
        #expect(template.render(event) == "failed: <!channel> & friends (request_id=req_9) !")
        #expect(try Template("n={{data.n}}").render(event) == "n=3")
    }

    @Test func slackEscapingNeutralisesMentionsButNotTheTemplate() throws {
        let template = try Template("<https://x|link> {{data.error.message}}")
        #expect(
            template.render(event, escape: SlackTemplates.escape) == "<https://x|link> &lt;!channel&gt; &amp; friends")
    }

    @Test func syntaxErrors() {
        #expect(throws: Template.SyntaxError.self) { try Template("a {{data.x") }
        #expect(throws: Template.SyntaxError.self) { try Template("a {{}}") }
        #expect(throws: Template.SyntaxError.self) { try Template("a {{data..x}}") }
        #expect(throws: Template.SyntaxError.self) { try Template("a {{data x}}") }
    }

    @Test func templateChoiceByExactThenGlobThenDefault() throws {
        let templates = SlackTemplates(
            byType: [(Glob("task.*"), try Template("glob")), (Glob("task.failed"), try Template("exact"))],
            fallback: try Template("default"))
        #expect(templates.template(for: "task.failed")?.source == "exact")
        #expect(templates.template(for: "task.succeeded")?.source == "glob")
        #expect(templates.template(for: "export.failed")?.source == "default")
        #expect(SlackTemplates(byType: [], fallback: nil).template(for: "x") == nil)
    }

    /// Hardening finding 4: grapheme clusters hid `<` and `>` from a `Character` loop.
    @Test func escapingSeesThroughGraphemeClusters() throws {
        for value in ["\u{0600}<!channel>\u{0301}", "<\u{200D}!here>", "\u{1F468}\u{200D}<!everyone>", "&\u{20DD}amp;"]
        {
            let escaped = SlackTemplates.escape(value)
            #expect(!escaped.unicodeScalars.contains("<") && !escaped.unicodeScalars.contains(">"), "\(value)")
            #expect(Self.unescape(escaped) == value)
        }
    }

    /// Property: whatever Unicode an event value holds (combining marks, ZWJ sequences, prepend
    /// characters, emoji), no `<`, `>` or `&` of it reaches the Slack text unescaped.
    @Test func noMarkupFromAnEventValueSurvivesEscaping() throws {
        let tricky: [UInt32] = [
            0x3C, 0x3E, 0x26, 0x21, 0x40, 0x7C, 0x0600, 0x0605, 0x06DD, 0x070F, 0x0890, 0x08E2, 0x110BD, 0x0301,
            0x0336, 0x20DD, 0x200D, 0x200C, 0xFE0F, 0x1F468, 0x1F3FD, 0x0D4E, 0x1100, 0x1161, 0xAC00, 0x0E33,
        ]
        var rng = SystemRandomNumberGenerator()
        let template = try Template("Deck: {{data.v}} <https://moda.app|open>")
        for _ in 0..<3_000 {
            var value = ""
            for _ in 0..<Int.random(in: 0...12, using: &rng) {
                let code =
                    Bool.random(using: &rng)
                    ? tricky.randomElement(using: &rng)! : UInt32.random(in: 0x20...0x10FFFF, using: &rng)
                if let scalar = Unicode.Scalar(code) { value.unicodeScalars.append(scalar) }
            }
            var json = #"{"data":{"v":"#
            JSONValue.writeEscaped(value, to: &json)
            json += "}}"
            let text = template.render(try JSONParser.parse(Array(json.utf8)), escape: SlackTemplates.escape)
            let rendered = String(
                text.unicodeScalars.dropFirst("Deck: ".unicodeScalars.count).dropLast(
                    " <https://moda.app|open>".unicodeScalars.count))
            #expect(
                !rendered.unicodeScalars.contains { $0 == "<" || $0 == ">" }, "\(value.unicodeScalars.map(\.value))")
            #expect(Self.unescape(rendered) == value)
        }
    }

    /// Slack's three entities back to text; `&` must only ever start one of them.
    static func unescape(_ text: String) -> String? {
        var out = String.UnicodeScalarView()
        var scalars = Substring(text).unicodeScalars[...]
        while let first = scalars.first {
            if first == "&" {
                let entity = ["&amp;": "&", "&lt;": "<", "&gt;": ">"].first {
                    scalars.starts(with: $0.key.unicodeScalars)
                }
                guard let entity else { return nil }
                out.append(contentsOf: entity.value.unicodeScalars)
                scalars = scalars.dropFirst(entity.key.unicodeScalars.count)
            } else {
                out.append(first)
                scalars = scalars.dropFirst()
            }
        }
        return String(out)
    }
}
