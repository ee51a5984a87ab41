import ArgumentParser
import Foundation
import Ingress
import Logging
import RelayConfig
import RelayCore
import ServiceLifecycle
import Sinks

/// `moda-relay serve`: runs the gateway. Embedded defaults, overridden by `--config` and then
/// by flags.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the relay: ingress, spools, delivery workers and admin listener.",
        discussion: """
            Secrets come from MODA_WEBHOOK_SECRET (several separated by commas) and/or \
            --secret-file (one per line). The relay refuses to start without one. SIGHUP reloads \
            the routes and the TLS certificate; SIGTERM or SIGINT shut it down gracefully.
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

    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain: the ingress speaks HTTPS (with --tls-key).")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(name: .customLong("admin-token-file"), help: "File holding the bearer token /admin/* requires.")
    var adminTokenFile: String?

    @Option(name: .customLong("shutdown-timeout"), help: "Longest a graceful shutdown may take (default 10s).")
    var shutdownTimeout: String?

    @Option(
        name: .customLong("shutdown-delay"),
        help: "On SIGTERM, answer 503 on /readyz this long before closing the ingress (default 0s).")
    var shutdownDelay: String?

    @Option(
        name: .customLong("routes-watch-interval"),
        help: "How often the routes directory is checked for changes (default 1s; off: SIGHUP only).")
    var routesWatchInterval: String?

    @Option(
        name: .customLong("postgres-url"),
        help:
            "Cluster mode: the shared claim store, postgresql://USER:PASS@HOST:PORT/DB?sslmode=… (also MODA_RELAY_POSTGRES_URL)."
    )
    var postgresURL: String?

    @Option(
        name: .customLong("instance-id"),
        help: "This instance's name in the shared store (default: kept in the data dir).")
    var instanceID: String?

    @Option(name: .customLong("log-format"), help: "text (default) or json, one object per line.")
    var logFormat: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info (default), notice, warning, error or critical.")
    var logLevel: String?

    func run() async throws {
        let settings = try resolveSettings()
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        let format = settings.logFormat
        LoggingSystem.bootstrap { label in
            switch format {
            case .json:
                return JSONLogHandler(label: label, level: level)
            case .text:
                return TextLogHandler(label: label, level: level)
            }
        }
        let logger = Logger(label: "moda-relay")
        let environment = ProcessInfo.processInfo.environment

        let secrets = try loadSecrets(settings: settings, environment: environment)
        let adminToken = try loadAdminToken(settings: settings)
        guard adminToken != nil || settings.adminListen.isLoopback else {
            Self.fail(
                "admin_listen \(settings.adminListen) is reachable from other hosts, so the admin API needs a token: "
                    + "set admin_token_file (or --admin-token-file), or listen on 127.0.0.1")
            throw ExitCode(1)
        }
        var tls: TLSCredentials?
        if let certificate = settings.tlsCertificateFile, let key = settings.tlsKeyFile {
            do {
                tls = try TLSCredentials(certificateFile: certificate, keyFile: key)
            } catch {
                Self.fail("\(error)")
                throw ExitCode(1)
            }
        }
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
            relay = try await Relay(
                settings: settings, secrets: secrets, routes: RouteTable(routes: loaded.routes),
                routeWarnings: loaded.warnings.map(\.description), logger: logger, tls: tls, adminToken: adminToken,
                environment: environment)
        } catch {
            Self.fail("cannot start: \(error)")
            throw ExitCode(1)
        }
        // The relay binds its listeners inside the group (`Relay.run`), after the group traps
        // SIGTERM and SIGINT: a signal that comes as soon as it listens stops it gracefully.
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: relay)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch let error as Relay.ShutdownTimedOut {
            Self.fail("\(error)")
            throw ExitCode(1)
        } catch {
            Self.fail(relay.ingressAddress == nil ? "cannot start: \(error)" : "\(error)")
            throw ExitCode(1)
        }
    }

    private func resolveSettings() throws -> RelaySettings {
        var settings = try RelaySettings.embedded(overriddenBy: config)
        let environmentURL = ProcessInfo.processInfo.environment["MODA_RELAY_POSTGRES_URL"].flatMap {
            $0.isEmpty ? nil : $0
        }
        if let text = postgresURL ?? environmentURL {
            let source = postgresURL != nil ? "--postgres-url" : "MODA_RELAY_POSTGRES_URL"
            do throws(PostgresURL.Failure) {
                settings.postgresURL = try PostgresURL(parsing: text)
            } catch {
                Self.fail("\(source) \(error.message)")
                throw ExitCode(1)
            }
        }
        if let instanceID {
            guard RelaySettings.isValidInstanceID(instanceID) else {
                Self.fail("--instance-id must be 1 to 64 of A-Z a-z 0-9 . _ -, got '\(instanceID)'")
                throw ExitCode(1)
            }
            settings.instanceID = instanceID
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
        if let tlsCert { settings.tlsCertificateFile = tlsCert }
        if let tlsKey { settings.tlsKeyFile = tlsKey }
        if (settings.tlsCertificateFile == nil) != (settings.tlsKeyFile == nil) {
            Self.fail("--tls-cert and --tls-key go together: give both or neither")
            throw ExitCode(1)
        }
        if let adminTokenFile { settings.adminTokenFile = adminTokenFile }
        if let shutdownTimeout {
            guard let value = DurationParser.parse(shutdownTimeout), value > .zero else {
                Self.fail("--shutdown-timeout must be a duration like 10s, got '\(shutdownTimeout)'")
                throw ExitCode(1)
            }
            settings.shutdownTimeout = value
        }
        if let shutdownDelay {
            settings.shutdownDelay = try Self.durationOrOff(shutdownDelay, flag: "--shutdown-delay")
        }
        if let routesWatchInterval {
            settings.routesWatchInterval = try Self.durationOrOff(routesWatchInterval, flag: "--routes-watch-interval")
        }
        if let logFormat {
            guard let format = RelaySettings.LogFormat(rawValue: logFormat) else {
                Self.fail("--log-format must be text or json, got '\(logFormat)'")
                throw ExitCode(1)
            }
            settings.logFormat = format
        }
        if let logLevel {
            guard RelaySettings.logLevels.contains(logLevel) else {
                Self.fail(
                    "--log-level must be one of \(RelaySettings.logLevels.joined(separator: ", ")), got '\(logLevel)'")
                throw ExitCode(1)
            }
            settings.logLevel = logLevel
        }
        return settings
    }

    private func loadSecrets(settings: RelaySettings, environment: [String: String]) throws -> [String] {
        var file: (path: String, text: String)?
        if let path = settings.secretFile {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                Self.fail("cannot read secret file \(path)")
                throw ExitCode(1)
            }
            file = (path, text)
        }
        do {
            return try SigningSecrets.load(environment: environment["MODA_WEBHOOK_SECRET"], file: file)
        } catch {
            Self.fail(error.message)
            throw ExitCode(1)
        }
    }

    private func loadAdminToken(settings: RelaySettings) throws -> String? {
        guard let file = settings.adminTokenFile else { return nil }
        guard let token = AdminTokenFile.read(file) else {
            Self.fail("cannot read an admin token from \(file) (it must hold one non-empty line)")
            throw ExitCode(1)
        }
        return token
    }

    private static func durationOrOff(_ text: String, flag: String) throws -> Duration {
        guard let value = DurationParser.parseOrOff(text) else {
            fail("\(flag) must be a duration like 500ms, 5s or 1m, or off; got '\(text)'")
            throw ExitCode(1)
        }
        return value
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

extension RelaySettings {
    /// The embedded defaults, overridden by the config file if one is given; its errors are
    /// printed (`FILE:LINE:COL: message`) and end the command with status 1.
    static func embedded(overriddenBy config: String?) throws -> RelaySettings {
        var settings = RelaySettings()
        guard let config else { return settings }
        let errors = RelaySettings.load(file: config, into: &settings).filter { $0.severity == .error }
        guard errors.isEmpty else {
            for error in errors { ServeCommand.fail("invalid config: \(error)") }
            throw ExitCode(1)
        }
        return settings
    }
}

/// The admin token file: its first non-empty line, trimmed.
enum AdminTokenFile {
    static func read(_ path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty }
    }
}
