import RelayConfig
import RelayCore
import Testing

@testable import Sinks

@Suite struct DiscordSinkKindTests {
    static func rateLimited(_ body: String, retryAfter: String? = nil) -> DeliveryResult {
        .response(status: 429, retryAfter: retryAfter, bodyExcerpt: body)
    }

    @Test func a429sRetryAfterFieldBecomesTheRetryHint() {
        let body = #"{"message": "You are being rate limited.", "retry_after": 1.337, "global": false}"#
        #expect(DiscordRateLimit.interpret(Self.rateLimited(body)) == Self.rateLimited(body, retryAfter: "2"))
        // The later of the header and the field wins.
        #expect(
            DiscordRateLimit.interpret(Self.rateLimited(body, retryAfter: "5"))
                == Self.rateLimited(body, retryAfter: "5"))
        #expect(
            DiscordRateLimit.interpret(Self.rateLimited(body, retryAfter: "1"))
                == Self.rateLimited(body, retryAfter: "2"))
    }

    @Test func otherAnswersAndBrokenBodiesAreLeftAlone() {
        let ok = DeliveryResult.response(status: 204, retryAfter: nil, bodyExcerpt: "")
        #expect(DiscordRateLimit.interpret(ok) == ok)
        for body in ["", "not json", #"{"retry_after": "soon"}"#, #"{"retry_after": -1}"#, #"[1]"#] {
            #expect(DiscordRateLimit.interpret(Self.rateLimited(body)) == Self.rateLimited(body), "\(body)")
        }
        // A hostile value is capped at a day.
        let huge = Self.rateLimited(#"{"retry_after": 99999999999999999999}"#)
        #expect(
            DiscordRateLimit.interpret(huge)
                == Self.rateLimited(#"{"retry_after": 99999999999999999999}"#, retryAfter: "86400"))
    }

    func parse(_ text: String) -> (Route?, [ConfigDiagnostic]) {
        RouteLoader.parse(text, name: "d", file: "routes/d.yaml", environment: [:])
    }

    @Test func routeKeysAndDefaults() throws {
        let (route, diagnostics) = parse(
            """
            sink: discord
            url: https://discord.com/api/webhooks/1/tok
            content:
              task.failed: "Deck failed: {{data.error.message}}"
              default: "Moda {{type}}"
            """)
        #expect(diagnostics.isEmpty)
        let r = try #require(route)
        let settings = try #require(r.sink as? DiscordSinkSettings)
        #expect(settings.url == "https://discord.com/api/webhooks/1/tok")
        #expect(settings.templates.template(for: "task.failed")?.source == "Deck failed: {{data.error.message}}")
        #expect(settings.templates.template(for: "x")?.source == "Moda {{type}}")
        #expect(r.concurrency == 1)
        #expect(r.rate == Rate(count: 1, per: .seconds(2)))
        #expect(settings.description == "discord https://discord.com/api/webhooks/…")
    }

    @Test func routeKeyErrors() {
        #expect(
            parse("sink: discord\nurl: https://discord.com/api/webhooks/1/t\ntext: hi\n").1.map(\.description) == [
                "routes/d.yaml:3:1: key 'text' does not apply to a discord sink"
            ])
        #expect(
            parse("sink: discord\ncontent: hi\n").1.map(\.description) == [
                "routes/d.yaml:1:7: missing required key 'url' for a discord sink"
            ])
        #expect(
            parse("sink: discord\nurl: ftp://x/y/z\n").1.map(\.description) == [
                "routes/d.yaml:2:6: 'url' must be an http:// or https:// URL with no spaces or control characters"
            ])
    }
}
