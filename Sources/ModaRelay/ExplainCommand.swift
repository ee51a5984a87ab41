import ArgumentParser
import Foundation
import RelayConfig
import RelayCore
import RelayDispatch
import Sinks
import Spool

/// `moda-relay explain`: a dry run of routing for one event.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show which routes an event matches and what each sink would send, without sending."
    )

    @Option(name: .long, help: "The event JSON file.")
    var event: String

    @Option(name: .long, help: "Directory of route files.")
    var routes: String = "./routes"

    func run() throws {
        let loaded = RouteLoader.load(directory: routes, environment: ProcessInfo.processInfo.environment)
        for error in loaded.errors { print(error.description) }
        guard loaded.errors.isEmpty else { throw ExitCode(1) }
        guard let data = FileManager.default.contents(atPath: event) else {
            ServeCommand.fail("cannot read \(event)")
            throw ExitCode(1)
        }
        let body = Array(data)
        let decoded: Event
        do {
            decoded = try body.withUnsafeBytes { try EventDecoder.decode($0) }
        } catch {
            ServeCommand.fail("\(event): \(error)")
            throw ExitCode(1)
        }
        print("event \(decoded.id) (\(decoded.type), \(decoded.shape.rawValue) shape; dedupe key \(decoded.dedupeKey))")
        if !decoded.isDocumentedType { print("  note: \(decoded.type) is outside Moda's documented event types") }
        let record = SpoolRecord(
            sequence: 0, acceptedAtMillis: WallClock.nowMillis(), dedupeKey: decoded.dedupeKey, eventType: decoded.type,
            body: body)
        for route in RouteTable(routes: loaded.routes).routes {
            guard route.match.matches(decoded) else {
                print("\(route.name): does not match")
                continue
            }
            guard route.enabled else {
                print("\(route.name): matches, but the route is disabled (\(route.disabledReason ?? "disabled"))")
                continue
            }
            print("\(route.name): matches -> \(route.sink.kind)")
            for line in SinkRegistry.standard.explain(route: route, record: record) { print(line) }
        }
    }
}
