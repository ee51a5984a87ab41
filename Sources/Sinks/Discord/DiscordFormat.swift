import RelayCore

/// `sink: discord`: POST `{"content": …, "allowed_mentions": {"parse": []}}` to a webhook;
/// `content` holds the templates. Values are markdown-escaped and the content is cut to
/// Discord's limit (``DiscordText``); rate-limit answers are read by ``DiscordRateLimit``.
package enum DiscordFormat: ChatFormat {
    package static let kind = "discord"
    package static let templateKey = "content"
    /// One message at a time, at most one every 2 s: Discord allows a webhook about 30 a minute
    /// and answers bursts with 429.
    package static let defaultConcurrency = 1
    package static let defaultRate: Rate? = Rate(count: 1, per: .seconds(2))
    /// Discord's rate-limit header, honoured like `Retry-After`.
    package static let retryHintHeaders = ["x-ratelimit-reset-after"]

    package static func body(_ template: Template, event: JSONValue) -> String {
        var body = "{\"content\":"
        JSONValue.writeEscaped(DiscordText.truncated(template.render(event, escape: DiscordText.escape)), to: &body)
        return body + ",\"allowed_mentions\":{\"parse\":[]}}"
    }

    package static func interpret(_ result: DeliveryResult) -> DeliveryResult { DiscordRateLimit.interpret(result) }
}

package typealias DiscordSinkKind = ChatSinkKind<DiscordFormat>
package typealias DiscordSinkSettings = ChatSinkSettings<DiscordFormat>
package typealias DiscordMessageBuilder = ChatMessageBuilder<DiscordFormat>
