import FuzzSupport
import RelayConfig
import RelayCore
import Sinks

/// Route files and relay.yaml, from text: no input may crash the loaders; problems are
/// diagnostics with positions. Also templates, rendered for Slack and for Discord.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let text = String(validating: UnsafeBufferPointer(start: data, count: size), as: UTF8.self) else { return 0 }
    let environment = ["SET": "https://hooks.example/x", "EMPTY": ""]
    let (route, diagnostics) = RouteLoader.parse(text, name: "fuzz", file: "fuzz.yaml", environment: environment)
    if route != nil, diagnostics.contains(where: { $0.severity == .error }) { Scratch.fail("a route with errors") }
    for diagnostic in diagnostics where diagnostic.line < 1 || diagnostic.column < 1 {
        Scratch.fail("diagnostic without a position: \(diagnostic)")
    }
    var settings = RelaySettings()
    _ = RelaySettings.load(text: text, file: "relay.yaml", environment: environment, into: &settings)
    if let template = try? Template(text) {
        let event = JSONValue.object(["data": .object(["x": .string(text)])])
        _ = template.render(event, escape: SlackText.escape)
        let content = DiscordText.truncated(template.render(event, escape: DiscordText.escape))
        if content.utf16.count > DiscordText.contentLimit { Scratch.fail("Discord content over the limit") }
    }
    return 0
}
