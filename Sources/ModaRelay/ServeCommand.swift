import ArgumentParser
import Foundation
import Ingress
import Logging
import RelayApp
import RelayConfig
import RelayCore
import ServiceLifecycle
import Sinks
import UnixSignals

/// `moda-relay serve`: runs the gateway. Embedded defaults, overridden by `--config` and then
/// by flags.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the relay: ingress, spools, delivery workers and admin listener.",
        discussion: """
            Secrets come from MODA_WEBHOOK_SECRET (several separated by commas) and/or \
            --secret-file (one per line). The relay refuses to start without one. SIGHUP reloads \
            the routes, the TLS certificate and the secret file; SIGTERM or SIGINT shut it down gracefully.
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

    @Option(
        name: .customLong("moda-api-key-file"),
        help: "Backfill: a file holding a Moda API key (also MODA_API_KEY); needs --callback-url.")
    var modaAPIKeyFile: String?

    @Option(name: .customLong("moda-api-url"), help: "Backfill: Moda's API (default https://api.moda.app/v1).")
    var modaAPIURL: String?

    @Option(
        name: .customLong("callback-url"),
        help: "Backfill: the public URL Moda posts to (repeat for several); only its deliveries are asked for again.")
    var callbackURLs: [String] = []

    @Option(
        name: .customLong("backfill-interval"),
        help: "Backfill: how often the reconciler runs (default 5m; off: never).")
    var backfillInterval: String?

    @Option(
        name: .customLong("backfill-lookback"), help: "Backfill: how far back the first run looks (default 24h).")
    var backfillLookback: String?

    @Option(name: .customLong("log-format"), help: "text (default) or json, one object per line.")
    var logFormat: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info (default), notice, warning, error or critical.")
    var logLevel: String?

    func run() async throws {
        let settings = try resolveSettings()
        let level = Logger.Level(rawValue: settings.logLevel.rawValue) ?? .info
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

        let secrets: [String]
        let adminToken: String?
        let modaAPIKey: ModaAPIKey?
        do throws(SigningSecrets.Problem) {
            secrets = try SigningSecrets.load(settings: settings, environment: environment)
            adminToken = try AdminToken.load(settings: settings)
            modaAPIKey = try ModaAPIKey.load(settings: settings.backfill, environment: environment)
        } catch {
            Self.fail(error.message)
            throw ExitCode(1)
        }
        if modaAPIKey != nil, settings.backfill.callbackURLs.isEmpty {
            Self.fail("a Moda API key (MODA_API_KEY) needs callback_url (--callback-url): the URL Moda posts to")
            throw ExitCode(1)
        }
        if let warning = modaAPIKey?.warning { logger.warning("\(warning)") }
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
                environment: environment, modaAPIKey: modaAPIKey?.key)
        } catch {
            Self.fail("cannot start: \(error)")
            throw ExitCode(1)
        }
        // The listeners bind inside the group, after it traps SIGTERM and SIGINT: a signal that
        // comes as soon as the relay listens stops it gracefully. The deadline, stopped first,
        // bounds the whole shutdown by `shutdown_timeout`.
        let deadline = ShutdownDeadline(limit: settings.shutdownTimeout, logger: logger)
        let group = relay.serviceGroup(signals: [.sigterm, .sigint], extra: [deadline], logger: logger)
        do {
            try await group.run()
            deadline.disarm()
        } catch {
            Self.fail(relay.ingressAddress == nil ? "cannot start: \(error)" : "\(error)")
            throw ExitCode(1)
        }
    }

    /// The embedded defaults, then `--config`, then the flags, each value read by
    /// ``SettingValue`` exactly as in the file; then the checks between settings.
    private func resolveSettings() throws -> RelaySettings {
        var settings = try RelaySettings.embedded(overriddenBy: config)
        do throws(SettingValue.Invalid) {
            try applyFlags(to: &settings)
        } catch {
            Self.fail(error.message)
            throw ExitCode(1)
        }
        for problem in settings.problems { Self.fail(problem) }
        guard settings.problems.isEmpty else { throw ExitCode(1) }
        return settings
    }

    private func applyFlags(to settings: inout RelaySettings) throws(SettingValue.Invalid) {
        let environmentURL = ProcessInfo.processInfo.environment["MODA_RELAY_POSTGRES_URL"].flatMap {
            $0.isEmpty ? nil : $0
        }
        if let postgresURL {
            settings.postgresURL = try SettingValue.postgresURL(postgresURL, name: "--postgres-url")
        } else if let environmentURL {
            settings.postgresURL = try SettingValue.postgresURL(environmentURL, name: "MODA_RELAY_POSTGRES_URL")
        }
        if let instanceID { settings.instanceID = try SettingValue.instanceID(instanceID, name: "--instance-id") }
        if let listen { settings.listen = try SettingValue.hostPort(listen, name: "--listen") }
        if let adminListen { settings.adminListen = try SettingValue.hostPort(adminListen, name: "--admin-listen") }
        if let routes { settings.routesDirectory = routes }
        if let dataDir { settings.dataDirectory = dataDir }
        if let path { settings.path = try SettingValue.urlPath(path, name: "--path") }
        if let secretFile { settings.secretFile = secretFile }
        if let tlsCert { settings.tlsCertificateFile = tlsCert }
        if let tlsKey { settings.tlsKeyFile = tlsKey }
        if let adminTokenFile { settings.adminTokenFile = adminTokenFile }
        if let shutdownTimeout {
            settings.shutdownTimeout = try SettingValue.duration(shutdownTimeout, name: "--shutdown-timeout")
        }
        if let shutdownDelay {
            settings.shutdownDelay = try SettingValue.durationOrOff(shutdownDelay, name: "--shutdown-delay")
        }
        if let routesWatchInterval {
            settings.routesWatchInterval = try SettingValue.durationOrOff(
                routesWatchInterval, name: "--routes-watch-interval")
        }
        if let modaAPIKeyFile { settings.backfill.apiKeyFile = modaAPIKeyFile }
        if let modaAPIURL { settings.backfill.apiURL = try SettingValue.httpURL(modaAPIURL, name: "--moda-api-url") }
        if !callbackURLs.isEmpty {
            settings.backfill.callbackURLs = try callbackURLs.map { url throws(SettingValue.Invalid) in
                try SettingValue.httpURL(url, name: "--callback-url")
            }
        }
        if let backfillInterval {
            settings.backfill.interval = try SettingValue.durationOrOff(backfillInterval, name: "--backfill-interval")
        }
        if let backfillLookback {
            settings.backfill.lookback = try SettingValue.duration(backfillLookback, name: "--backfill-lookback")
        }
        if let logFormat { settings.logFormat = try SettingValue.logFormat(logFormat, name: "--log-format") }
        if let logLevel { settings.logLevel = try SettingValue.logLevel(logLevel, name: "--log-level") }
    }

    static func fail(_ message: String) {
        FileHandle.standardError.write(Data("moda-relay: error: \(message)\n".utf8))
    }
}

extension RelaySettings {
    /// The embedded defaults, overridden by the config file if one is given; its errors are
    /// printed (`FILE:LINE:COL: message`) and end the command with status 1.
    static func embedded(overriddenBy config: String?, exitCode: Int32 = 1) throws -> RelaySettings {
        var settings = RelaySettings()
        guard let config else { return settings }
        let errors = RelaySettings.load(file: config, into: &settings).filter { $0.severity == .error }
        guard errors.isEmpty else {
            for error in errors { ServeCommand.fail("invalid config: \(error)") }
            throw ExitCode(exitCode)
        }
        return settings
    }
}
