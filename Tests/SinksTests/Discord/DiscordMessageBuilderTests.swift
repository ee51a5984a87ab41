import Foundation
import RelayCore
import RelayTestSupport
import Testing

@testable import RelayDispatch
@testable import Sinks

@Suite struct DiscordMessageBuilderTests {
    func builder(_ templates: TemplatesByType) -> DiscordMessageBuilder {
        DiscordMessageBuilder(url: "https://discord.com/api/webhooks/1/tok", templates: templates, timeout: .seconds(5))
    }

    func json(_ request: OutboundRequest) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
    }

    @Test func rendersContentWithMentionsDisabledAndMarkdownEscaped() throws {
        let templates = TemplatesByType(byType: [
            (Glob("task.failed"), try Template("**Deck failed**: {{data.error.message}}"))
        ])
        let body =
            #"{"id":"evt_d","type":"task.failed","data":{"error":{"message":"@everyone <@123> **bold** [x](https://evil) `code`"}}}"#
        guard
            case .request(let request) = builder(templates).request(
                for: SinkTestRecords.record(body, key: "evt_d", type: "task.failed"))
        else {
            Issue.record("expected a request")
            return
        }
        let document = try json(request)
        #expect(
            document["content"] as? String
                == #"**Deck failed**: @everyone \<@123\> \*\*bold\*\* \[x\](https://evil) \`code\`"#)
        let mentions = try #require(document["allowed_mentions"] as? [String: Any])
        #expect((mentions["parse"] as? [Any])?.isEmpty == true)
        #expect(SinkTestRecords.header(request, "content-type") == "application/json")
        #expect(SinkTestRecords.header(request, "x-moda-event-id") == "evt_d")
        #expect(request.retryHintHeaders == ["x-ratelimit-reset-after"])
    }

    /// Finding 9: markdown that Discord reads only at the start of a line (headings, subtext,
    /// lists) is escaped there, in a value of one line or of several.
    @Test func lineStartMarkdownIsEscaped() {
        #expect(DiscordText.escape("# Pwned") == "\\# Pwned")
        #expect(
            DiscordText.escape("ok\n## big\n-# small\n> quote\n- item\n+ item\n  1. first\n10) tenth")
                == "ok\n\\## big\n\\-# small\n\\> quote\n\\- item\n\\+ item\n  1\\. first\n10\\) tenth")
        // Inside a line, none of these is markdown: left as is.
        #expect(DiscordText.escape("task #12 - 3.5 + 1") == "task #12 - 3.5 + 1")
    }

    @Test func choosesTheTemplateLikeSlackAndPostsNothingWithoutOne() throws {
        let templates = TemplatesByType(
            byType: [(Glob("task.*"), try Template("glob")), (Glob("task.failed"), try Template("exact"))],
            fallback: nil)
        func content(_ type: String) throws -> String? {
            guard
                case .request(let request) = builder(templates).request(
                    for: SinkTestRecords.record(#"{"id":"e","type":"\#(type)"}"#, type: type))
            else { return nil }
            return try json(request)["content"] as? String
        }
        #expect(try content("task.failed") == "exact")
        #expect(try content("task.succeeded") == "glob")
        #expect(try content("export.failed") == nil)
    }

    @Test func longContentIsCutToDiscordsLimitOnACharacterBoundary() throws {
        let templates = TemplatesByType(fallback: try Template("{{data.v}}"))
        let value = String(repeating: "ab👍🏽", count: 900)
        let body = #"{"id":"e","type":"t","data":{"v":"\#(value)"}}"#
        guard case .request(let request) = builder(templates).request(for: SinkTestRecords.record(body, type: "t"))
        else {
            Issue.record("expected a request")
            return
        }
        let content = try #require(try json(request)["content"] as? String)
        #expect(content.utf16.count <= 2000)
        #expect(content.hasSuffix("…"))
        #expect(value.hasPrefix(content.dropLast()))
        #expect(DiscordText.truncated("short") == "short")
    }

    /// Property: whatever an event value holds, the body is valid JSON, mentions stay off, the
    /// content fits the limit, and no markdown character of the value survives unescaped.
    @Test func anyValueGivesAValidBoundedMessage() throws {
        let tricky: [UInt32] = [
            0x2A, 0x5F, 0x7E, 0x60, 0x7C, 0x3E, 0x3C, 0x5B, 0x5D, 0x5C, 0x40, 0x22, 0x0A, 0x1F468, 0x200D,
        ]
        var rng = SeededRandom(seed: PropertySeed.value)
        let templates = TemplatesByType(fallback: try Template("{{data.v}}"))
        for _ in 0..<1_000 {
            var value = ""
            for _ in 0..<Int.random(in: 0...1200, using: &rng) {
                let code =
                    Bool.random(using: &rng)
                    ? tricky.randomElement(using: &rng)! : UInt32.random(in: 0x20...0x10FFFF, using: &rng)
                if let scalar = Unicode.Scalar(code) { value.unicodeScalars.append(scalar) }
            }
            var body = #"{"id":"e","type":"t","data":{"v":"#
            JSONValue.writeEscaped(value, to: &body)
            body += "}}"
            guard case .request(let request) = builder(templates).request(for: SinkTestRecords.record(body, type: "t"))
            else {
                Issue.record("expected a request")
                return
            }
            // Read back with the relay's own RFC 8259 parser: Foundation's JSONSerialization on Linux
            // drops a U+FEFF that follows an escaped quote (seed 18127800560500033351 found it).
            let document = try JSONParser.parse(request.body)
            let content = try #require(document["content"]?.stringValue)
            #expect(content.utf16.count <= DiscordText.contentLimit, "\(PropertySeed.note)")
            #expect(document["allowed_mentions"] == .object(["parse": .array([])]), "\(PropertySeed.note)")
            #expect(content == DiscordText.truncated(DiscordText.escape(value)), "\(PropertySeed.note)")
        }
    }
}
