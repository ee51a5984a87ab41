/// What a route's sink kind read from its file: a Slack webhook and its templates, an HTTP
/// endpoint and its headers, a file path and its rotation, … Each kind defines its own type in
/// its folder under `Sources/Sinks`; the core only compares them and asks for defaults.
package protocol SinkSettings: Sendable, CustomStringConvertible {
    /// The `sink:` value: `file`, `http`, `slack`, `discord`.
    static var kind: String { get }
    /// `concurrency` when the route sets none.
    static var defaultConcurrency: Int { get }
    /// `rate` when the route sets none (nil: unlimited).
    static var defaultRate: Rate? { get }
    /// A local resource (a file path) no two routes may share, if the sink has one.
    var exclusiveResource: String? { get }
    /// Whether `other` is the same kind with the same settings.
    func isEqual(to other: any SinkSettings) -> Bool
}

extension SinkSettings {
    package static var defaultConcurrency: Int { 4 }
    package static var defaultRate: Rate? { nil }
    package var exclusiveResource: String? { nil }
    /// The `sink:` value.
    package var kind: String { Self.kind }
}

extension SinkSettings where Self: Equatable {
    package func isEqual(to other: any SinkSettings) -> Bool { (other as? Self) == self }
}
