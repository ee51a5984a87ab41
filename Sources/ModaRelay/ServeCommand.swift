import ArgumentParser
import Foundation
import Ingress
import Logging
import RelayConfig
import RelayCore
import ServiceLifecycle

/// `moda-relay serve`: runs the gateway. Embedded defaults, overridden by `--config` and then
/// by flags.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the relay: ingress, spools and admin listener.",
        discussion: """
            Secrets come from MODA_WEBHOOK_SECRET (several separated by commas) and/or \
            --secret-file (one per line). The relay refuses to start without one.
            """
    )

    @Option(name: .long, help: "Ingress address HOST:PORT (default 127.0.0.1:8080).")
    var listen: String?

    @Option(name: .customLong("admin-listen"), help: "Admin address HOST:PORT (default 127.0.0.1:9090).")
    var adminListen: String?

    @Option(name: .long, help: "Directory of route files (default ./routes).")
    var routes: String?

    @Option(name: .customLong("data-dir"), help: "Directory for spools and the dedupe log (default ./data).")
    var dataDir: String?

    @Option(name: .long, help: "Webhook path (default /webhooks/moda).")
    var path: String?

    @Option(name: .long, help: "Optional YAML config file with the same settings.")
    var config: String?

    @Option(name: .customLong("secret-file"), help: "File with signing secrets, one per line.")
    var secretFile: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "moda-relay")
        let environment = ProcessInfo.processInfo.environment

        let settings = try resolveSettings()
        let secrets = try loadSecrets(settings: settings, environment: environment)
        let loaded = RouteLoader.load(directory: settings.routesDirectory, environment: environment)
        guard loaded.errors.isEmpty else {
            for error in loaded.errors { Self.fail("invalid route: \(error)") }
            throw ExitCode(1)
        }
        for warning in loaded.warnings {
            logger.warning("route disabled", metadata: ["relay.diagnostic": "\(warning.description)"])
        }
        let relay: Relay
        do {
            relay = try Relay(
                settings: settings, secrets: secrets, routes: RouteTable(routes: loaded.routes),
                routeWarnings: loaded.warnings.map(\.description), logger: logger)
            try await relay.start()
        } catch {
            Self.fail("cannot start: \(error)")
            throw ExitCode(1)
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: relay)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }

    private func resolveSettings() throws -> RelaySettings {
        var settings = RelaySettings()
        if let config {
            let problems = RelaySettings.load(file: config, into: &settings)
            let errors = problems.filter { $0.severity == .error }
            guard errors.isEmpty else {
                for error in errors { Self.fail("invalid config: \(error)") }
                throw ExitCode(1)
            }
        }
        if let listen { settings.listen = try Self.hostPort(listen, flag: "--listen") }
        if let adminListen { settings.adminListen = try Self.hostPort(adminListen, flag: "--admin-listen") }
        if let routes { settings.routesDirectory = routes }
        if let dataDir { settings.dataDirectory = dataDir }
        if let path {
            guard path.hasPrefix("/") else {
                Self.fail("--path must start with '/', got '\(path)'")
                throw ExitCode(1)
            }
            settings.path = path
        }
        if let secretFile { settings.secretFile = secretFile }
        return settings
    }

    private func loadSecrets(settings: RelaySettings, environment: [String: String]) throws -> [String] {
        var secrets = (environment["MODA_WEBHOOK_SECRET"] ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let file = settings.secretFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                Self.fail("cannot read secret file \(file)")
                throw ExitCode(1)
            }
            secrets += text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        }
        guard !secrets.isEmpty else {
            Self.fail("no webhook secret: set MODA_WEBHOOK_SECRET (comma-separated for several) or pass --secret-file")
            throw ExitCode(1)
        }
        return secrets
    }

    private static func hostPort(_ text: String, flag: String) throws -> HostPort {
        guard let value = HostPort(parsing: text) else {
            fail("\(flag) must be HOST:PORT, got '\(text)'")
            throw ExitCode(1)
        }
        return value
    }

    static func fail(_ message: String) {
        FileHandle.standardError.write(Data("moda-relay: error: \(message)\n".utf8))
    }
}
