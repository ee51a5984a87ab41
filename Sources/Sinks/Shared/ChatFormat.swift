import RelayCore

/// What one chat service (Slack, Discord) makes of a templated message: its `sink:` name and
/// defaults, the route key its templates go under, the JSON body around the rendered text, and
/// its own answers. A chat kind is this one type, in its folder; ``ChatSinkKind`` does the rest.
package protocol ChatFormat: Sendable {
    /// The `sink:` value.
    static var kind: String { get }
    /// The route key of the templates: `text`, `content`.
    static var templateKey: String { get }
    static var defaultConcurrency: Int { get }
    static var defaultRate: Rate? { get }
    /// Answer headers that say when to retry besides `Retry-After` (lower case).
    static var retryHintHeaders: [String] { get }
    /// The request body for `template` rendered against the spooled event.
    static func body(_ template: Template, event: JSONValue) -> String
    /// Reads the service's own answers before the retry policy sees them.
    static func interpret(_ result: DeliveryResult) -> DeliveryResult
}

extension ChatFormat {
    package static var retryHintHeaders: [String] { [] }
    package static func interpret(_ result: DeliveryResult) -> DeliveryResult { result }
}
