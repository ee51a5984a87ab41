import RelayCore

/// `sink: slack`: POST `{"text": …}` to an incoming webhook; `text` holds the templates; every
/// substituted value is escaped for Slack (``SlackText``).
package enum SlackFormat: ChatFormat {
    package static let kind = "slack"
    package static let templateKey = "text"
    /// Slack takes about one message per second per webhook, one at a time.
    package static let defaultConcurrency = 1
    package static let defaultRate: Rate? = Rate(count: 1, per: .seconds(1))

    package static func body(_ template: Template, event: JSONValue) -> String {
        var body = "{\"text\":"
        JSONValue.writeEscaped(template.render(event, escape: SlackText.escape), to: &body)
        return body + "}"
    }
}

package typealias SlackSinkKind = ChatSinkKind<SlackFormat>
package typealias SlackSinkSettings = ChatSinkSettings<SlackFormat>
package typealias SlackSinkRequestBuilder = ChatMessageBuilder<SlackFormat>
