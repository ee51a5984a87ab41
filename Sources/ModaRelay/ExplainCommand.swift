import ArgumentParser
import Foundation
import RelayConfig
import RelayCore
import RelayDispatch
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
            describe(route, record)
        }
    }

    private func describe(_ route: Route, _ record: SpoolRecord) {
        switch route.sink {
        case .file(let path, _, _):
            print(
                "  append to \(path): \(String(decoding: FileSinkWriter.line(for: record.body).dropLast(), as: UTF8.self))"
            )
        case .slack(let url, let templates):
            switch SlackSinkRequestBuilder(url: url, templates: templates, timeout: route.timeout).request(for: record)
            {
            case .request(let request):
                print("  POST \(Self.redact(url))")
                print("  body: \(String(decoding: request.body, as: UTF8.self))")
            case .noTemplate(let type): print("  nothing posted: no template for \(type) and no default")
            case .undecodable(let reason): print("  would dead-letter: \(reason)")
            }
        case .http(let url, let headers, let secret):
            guard
                let builder = try? HTTPSinkRequestBuilder(
                    url: url, headers: headers, signSecret: secret, timeout: route.timeout)
            else { return }
            let request = builder.request(for: record, nowSeconds: WallClock.nowMillis() / 1000)
            print("  POST \(url) (the event body, \(record.body.count) bytes)")
            for (name, value) in request.headers { print("  \(name): \(Self.redact(header: name, value))") }
        }
    }

    /// Parts of a header name that mark a credential.
    static let credentialWords = ["auth", "token", "key", "secret", "signature", "cookie"]

    /// Credentials in headers are not printed: any header whose name contains one of
    /// ``credentialWords`` (`Authorization`, `X-Api-Token`, `webhook-signature`, `Set-Cookie`, …).
    static func redact(header name: String, _ value: String) -> String {
        let lower = name.lowercased()
        return credentialWords.contains { lower.contains($0) } ? "<redacted>" : value
    }

    /// Slack webhook URLs are secrets: keep the host and path start only.
    static func redact(_ url: String) -> String {
        guard let range = url.range(of: "/services/") else { return url }
        return String(url[..<range.upperBound]) + "…"
    }
}
