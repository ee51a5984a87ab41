import RelayCore
import RelayTestSupport
import Testing

@testable import Sinks

@Suite struct SlackTextTests {
    let event = try! JSONParser.parse(
        Array(
            #"{"id":"evt_1","type":"task.failed","data":{"error":{"message":"<!channel> & friends","request_id":"req_9"},"n":3}}"#
                .utf8))

    @Test func slackEscapingNeutralisesMentionsButNotTheTemplate() throws {
        let template = try Template("<https://x|link> {{data.error.message}}")
        #expect(
            template.render(event, escape: SlackText.escape) == "<https://x|link> &lt;!channel&gt; &amp; friends")
    }

    /// Hardening finding 4: grapheme clusters hid `<` and `>` from a `Character` loop.
    @Test func escapingSeesThroughGraphemeClusters() throws {
        for value in ["\u{0600}<!channel>\u{0301}", "<\u{200D}!here>", "\u{1F468}\u{200D}<!everyone>", "&\u{20DD}amp;"]
        {
            let escaped = SlackText.escape(value)
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
        var rng = SeededRandom(seed: PropertySeed.value)
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
            let text = template.render(try JSONParser.parse(Array(json.utf8)), escape: SlackText.escape)
            let rendered = String(
                text.unicodeScalars.dropFirst("Deck: ".unicodeScalars.count).dropLast(
                    " <https://moda.app|open>".unicodeScalars.count))
            #expect(
                !rendered.unicodeScalars.contains { $0 == "<" || $0 == ">" },
                "\(value.unicodeScalars.map(\.value)); \(PropertySeed.note)")
            #expect(Self.unescape(rendered) == value, "\(PropertySeed.note)")
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
