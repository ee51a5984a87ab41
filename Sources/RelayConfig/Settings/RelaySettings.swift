import Foundation
import RelayCore
import Yams

/// Everything `moda-relay serve` runs with. Defaults are the embedded ones; `relay.yaml`
/// (``RelaySettings/load(file:into:)``) and then command-line flags override them.
///
/// `relay.yaml` keys (all optional):
///
/// | key | type | default |
/// |---|---|---|
/// | `listen` | `HOST:PORT` | `127.0.0.1:8080` |
/// | `admin_listen` | `HOST:PORT` | `127.0.0.1:9090` |
/// | `routes` | directory | `./routes` |
/// | `data_dir` | directory | `./data` |
/// | `path` | URL path | `/webhooks/moda` |
/// | `secret_file` | file, one secret per line | none |
/// | `timestamp_tolerance` | duration | `300s` |
/// | `max_body` | size | `1MiB` |
/// | `dedupe_window` | duration | `24h` |
/// | `max_connections` | integer | `1024` |
/// | `max_connections_per_peer` | integer, or `off` | `off` |
/// | `max_buffered_bytes` | size: request bodies held in memory at once, all connections | `64MiB` |
/// | `max_buffered_bytes_per_peer` | size, or `off`: the same for one peer address | `16MiB` |
/// | `idle_timeout` | duration | `60s` |
/// | `header_timeout` | duration: a request head must arrive this soon after accept or the last answer | `10s` |
/// | `request_timeout` | duration | `10s` |
/// | `commit_timeout` | duration: an event not durable this soon gets 503 (Moda waits 30 s at most) | `5s` |
/// | `spool_max_bytes` | size, per sink | `1GiB` |
/// | `segment_bytes` | size | `64MiB` |
/// | `tls_cert`, `tls_key` | PEM files (chain allowed) | none: plain HTTP |
/// | `admin_token_file` | file holding the admin bearer token | none: `/admin/*` open (loopback) |
/// | `admin_hosts` | list of host names the admin listener answers besides `localhost` and IP literals | none |
/// | `shutdown_timeout` | duration | `10s` |
/// | `shutdown_delay` | duration (or `off`): `/readyz` says 503 this long before the ingress closes | `0s` |
/// | `routes_watch_interval` | duration (`off`: SIGHUP only) | `1s` |
/// | `postgres_url` | `postgresql://USER:PASS@HOST:PORT/DB?sslmode=…`: cluster mode (shared claims) | none: local only |
/// | `instance_id` | this instance's name in the shared store (`[A-Za-z0-9._-]`, 1–64) | kept in `DATA_DIR/instance-id` |
/// | `postgres_lock_timeout` | duration: longest a copy waits for another instance's claim | `5s` |
/// | `moda_api_key_file`, `moda_api_url`, `callback_url`, `backfill_interval`, `backfill_lookback` | see ``BackfillSettings`` | backfill off |
/// | `log_format` | `text` or `json` | `text` |
/// | `log_level` | `trace` … `critical` | `info` |
package struct RelaySettings: Sendable, Equatable {
    package var listen = HostPort(host: "127.0.0.1", port: 8080)
    package var adminListen = HostPort(host: "127.0.0.1", port: 9090)
    package var routesDirectory = "./routes"
    package var dataDirectory = "./data"
    package var path = "/webhooks/moda"
    package var secretFile: String?
    package var timestampTolerance: Duration = .seconds(300)
    package var maxBodyBytes = 1 << 20
    package var dedupeWindow: Duration = .seconds(86_400)
    package var maxConnections = 1024
    /// Most ingress connections from one peer address; nil: no such cap (the default, since
    /// behind a load balancer every peer is the balancer).
    package var maxConnectionsPerPeer: Int?
    /// Request-body bytes the ingress may hold in memory at once, across connections; beyond it, 503.
    package var maxBufferedBytes = 64 << 20
    /// The same from one peer address; nil: no such cap. On by default: request bytes are
    /// unauthenticated until the body is complete, so one address must not hold them all.
    package var maxBufferedBytesPerPeer: Int? = 16 << 20
    package var idleTimeout: Duration = .seconds(60)
    /// How soon after accept, or after the previous answer, a request head must be complete.
    package var headerTimeout: Duration = .seconds(10)
    package var requestTimeout: Duration = .seconds(10)
    /// How long a request waits for its durable commit before it gets 503 (a hung disk must not
    /// hold Moda's request for its whole 30 s); a commit running longer makes the relay not ready.
    package var commitTimeout: Duration = .seconds(5)
    package var spoolMaxBytes = 1 << 30
    package var segmentBytes = 64 << 20
    /// PEM certificate chain and key: the ingress speaks HTTPS when both are set.
    package var tlsCertificateFile: String?
    package var tlsKeyFile: String?
    /// File holding the bearer token `/admin/*` requires.
    package var adminTokenFile: String?
    /// Host names the admin listener answers to besides `localhost` and IP literals (DNS
    /// rebinding protection: a browser tricked into calling it sends the attacker's name).
    package var adminHosts: [String] = []
    /// Longest a graceful shutdown may take before the process exits anyway.
    package var shutdownTimeout: Duration = .seconds(10)
    /// How long `/readyz` answers 503 while the ingress still accepts, before it closes (lets a
    /// load balancer stop sending first). Part of `shutdownTimeout`.
    package var shutdownDelay: Duration = .zero
    /// How often the routes directory is checked for changes; zero: reload on SIGHUP only.
    package var routesWatchInterval: Duration = .seconds(1)
    package var logFormat = LogFormat.text
    package var logLevel = LogLevel.info
    /// The shared claim store of cluster mode; nil: this instance dedupes on its own.
    package var postgresURL: PostgresURL?
    /// This instance's name in the shared store; nil: the one kept in the data directory.
    package var instanceID: String?
    /// Longest a claim waits for another instance's uncommitted claim of the same key.
    package var postgresLockTimeout: Duration = .seconds(5)
    /// Recovering what Moda gave up on, from its delivery log.
    package var backfill = BackfillSettings()

    /// How log lines are written.
    package enum LogFormat: String, Sendable, Equatable, CaseIterable {
        case text
        case json
    }

    package init() {}

    /// Applies the keys of the YAML file at `file`; problems come back with positions. Problems
    /// between settings (``problems``) are checked once every layer is applied.
    package static func load(file: String, into settings: inout RelaySettings) -> [ConfigDiagnostic] {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
        else {
            return [ConfigDiagnostic(file: file, line: 1, column: 1, message: "cannot read config file")]
        }
        return load(text: text, file: file, environment: ProcessInfo.processInfo.environment, into: &settings)
    }

    /// Applies the keys of `text`, a config file's content (`file` names it in diagnostics).
    package static func load(
        text: String, file: String, environment: [String: String], into settings: inout RelaySettings
    ) -> [ConfigDiagnostic] {
        var reader = YAMLReader(file: file, environment: environment)
        guard let root = reader.parse(text), let pairs = reader.mapping(root, what: "the config file") else {
            return reader.diagnostics
        }
        for (key, keyNode, value) in pairs {
            switch key {
            case "listen": settings.listen = reader.setting(value, key: key, SettingValue.hostPort) ?? settings.listen
            case "admin_listen":
                settings.adminListen = reader.setting(value, key: key, SettingValue.hostPort) ?? settings.adminListen
            case "routes": settings.routesDirectory = reader.string(value, key: key) ?? settings.routesDirectory
            case "data_dir": settings.dataDirectory = reader.string(value, key: key) ?? settings.dataDirectory
            case "path": settings.path = reader.setting(value, key: key, SettingValue.urlPath) ?? settings.path
            case "secret_file": settings.secretFile = reader.string(value, key: key)
            case "timestamp_tolerance":
                settings.timestampTolerance = reader.duration(value, key: key) ?? settings.timestampTolerance
            case "max_body":
                guard let size = reader.size(value, key: key) else { continue }
                guard size <= Self.maximumBodyLimit else {
                    reader.error(
                        "'max_body' may be at most \(Self.maximumBodyLimit >> 20)MiB (a spool record must fit in a frame)",
                        at: value)
                    continue
                }
                settings.maxBodyBytes = Int(size)
            case "dedupe_window": settings.dedupeWindow = reader.duration(value, key: key) ?? settings.dedupeWindow
            case "max_connections":
                settings.maxConnections =
                    reader.integer(value, key: key, range: 1...1_000_000) ?? settings.maxConnections
            case "max_connections_per_peer":
                if value.scalar?.string == "off" {
                    settings.maxConnectionsPerPeer = nil
                } else if let limit = reader.integer(value, key: key, range: 1...1_000_000) {
                    settings.maxConnectionsPerPeer = limit
                }
            case "max_buffered_bytes":
                settings.maxBufferedBytes = reader.size(value, key: key).map(Int.init) ?? settings.maxBufferedBytes
            case "max_buffered_bytes_per_peer":
                if value.scalar?.string == "off" {
                    settings.maxBufferedBytesPerPeer = nil
                } else if let size = reader.size(value, key: key) {
                    settings.maxBufferedBytesPerPeer = Int(size)
                }
            case "idle_timeout": settings.idleTimeout = reader.duration(value, key: key) ?? settings.idleTimeout
            case "header_timeout": settings.headerTimeout = reader.duration(value, key: key) ?? settings.headerTimeout
            case "request_timeout":
                settings.requestTimeout = reader.duration(value, key: key) ?? settings.requestTimeout
            case "commit_timeout":
                settings.commitTimeout = reader.duration(value, key: key) ?? settings.commitTimeout
            case "spool_max_bytes":
                settings.spoolMaxBytes = reader.size(value, key: key).map(Int.init) ?? settings.spoolMaxBytes
            case "segment_bytes":
                settings.segmentBytes = reader.size(value, key: key).map(Int.init) ?? settings.segmentBytes
            case "tls_cert": settings.tlsCertificateFile = reader.string(value, key: key)
            case "tls_key": settings.tlsKeyFile = reader.string(value, key: key)
            case "admin_token_file": settings.adminTokenFile = reader.string(value, key: key)
            case "admin_hosts":
                guard let names = reader.stringList(value, key: key) else { continue }
                for (name, node) in names where name.isEmpty || name.utf8.contains(where: { $0 <= 0x20 || $0 == 0x3A })
                {
                    reader.error("'admin_hosts' entries must be host names without ports, got '\(name)'", at: node)
                }
                settings.adminHosts = names.map { $0.0.lowercased() }
            case "shutdown_timeout":
                settings.shutdownTimeout = reader.duration(value, key: key) ?? settings.shutdownTimeout
            case "shutdown_delay":
                settings.shutdownDelay = reader.durationOrOff(value, key: key) ?? settings.shutdownDelay
            case "routes_watch_interval":
                settings.routesWatchInterval = reader.durationOrOff(value, key: key) ?? settings.routesWatchInterval
            case "postgres_url":
                settings.postgresURL =
                    reader.setting(value, key: key, SettingValue.postgresURL) ?? settings.postgresURL
            case "instance_id":
                settings.instanceID = reader.setting(value, key: key, SettingValue.instanceID) ?? settings.instanceID
            case "postgres_lock_timeout":
                settings.postgresLockTimeout = reader.duration(value, key: key) ?? settings.postgresLockTimeout
            case "log_format":
                settings.logFormat = reader.setting(value, key: key, SettingValue.logFormat) ?? settings.logFormat
            case "log_level":
                settings.logLevel = reader.setting(value, key: key, SettingValue.logLevel) ?? settings.logLevel
            default:
                if !BackfillSettings.apply(key: key, value: value, reader: &reader, to: &settings.backfill) {
                    reader.error("unknown key '\(key)' in the config file", at: keyNode)
                }
            }
        }
        if settings.backfill.apiKeyFile != nil, settings.backfill.callbackURLs.isEmpty,
            let keyNode = pairs.first(where: { $0.key == "moda_api_key_file" })?.keyNode
        {
            reader.error(
                "'moda_api_key_file' needs 'callback_url': the URL Moda posts to, so that only its deliveries are touched",
                at: keyNode)
        }
        for missing in reader.missingVariables {
            reader.error("environment variable \(missing.name) is not set", at: nil)
        }
        return reader.diagnostics
    }
}

extension RelaySettings {
    /// The largest `max_body`: half the spool's frame limit (`SpoolFormat.maximumPayload`, 64 MiB),
    /// so that a record, or a dead letter with its excerpt and strings, always fits in a frame.
    package static let maximumBodyLimit: Int64 = 32 << 20

    /// Whether `text` may name an instance: 1 to 64 of `A-Z a-z 0-9 . _ -`.
    package static func isValidInstanceID(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    return true
                default:
                    return false
                }
            }
    }

    /// How much is logged: `log_level` and `--log-level`.
    package enum LogLevel: String, Sendable, Equatable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }
}
