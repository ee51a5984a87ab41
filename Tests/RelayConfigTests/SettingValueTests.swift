import FoundationEssentials
import Testing

@testable import RelayConfig
@testable import RelayCore

/// `relay.yaml` and the flags read values through the same functions.
@Suite struct SettingValueTests {
    func fileError(_ yaml: String) -> String? {
        var settings = RelaySettings()
        return RelaySettings.load(text: yaml, file: "relay.yaml", environment: [:], into: &settings)
            .first { $0.severity == .error }?.message
    }

    func flagError(_ parse: () throws(SettingValue.Invalid) -> Void) -> String? {
        do throws(SettingValue.Invalid) {
            try parse()
            return nil
        } catch {
            return error.message
        }
    }

    @Test func theFileAndTheFlagsRefuseAlikeNamingTheSettingTheirWay() {
        #expect(fileError("listen: nowhere\n") == "'listen' must be HOST:PORT, got 'nowhere'")
        #expect(
            flagError { () throws(SettingValue.Invalid) in _ = try SettingValue.hostPort("nowhere", name: "--listen") }
                == "--listen must be HOST:PORT, got 'nowhere'")
        #expect(fileError("path: hooks\n") == "'path' must start with '/', got 'hooks'")
        #expect(
            flagError { () throws(SettingValue.Invalid) in _ = try SettingValue.urlPath("hooks", name: "--path") }
                == "--path must start with '/', got 'hooks'")
        #expect(
            fileError("shutdown_timeout: soon\n")
                == "'shutdown_timeout' must be a positive duration like 250ms, 1s, 10m or 24h, got 'soon'")
        #expect(
            flagError { () throws(SettingValue.Invalid) in
                _ = try SettingValue.duration("soon", name: "--shutdown-timeout")
            } == "--shutdown-timeout must be a positive duration like 250ms, 1s, 10m or 24h, got 'soon'")
        #expect(
            fileError("log_level: loud\n")
                == "'log_level' must be one of trace, debug, info, notice, warning, error, critical, got 'loud'")
        #expect(fileError("instance_id: a/b\n") == "'instance_id' must be 1 to 64 of A-Z a-z 0-9 . _ -, got 'a/b'")
    }

    @Test func valuesAreKeptWhole() throws {
        var settings = RelaySettings()
        let diagnostics = RelaySettings.load(
            text: "idle_timeout: 1500ms\nlog_level: debug\nlog_format: json\n", file: "relay.yaml", environment: [:],
            into: &settings)
        #expect(diagnostics.isEmpty)
        #expect(settings.idleTimeout == .milliseconds(1500))
        #expect(settings.idleTimeout.wholeNanoseconds == 1_500_000_000)
        #expect(settings.logLevel == .debug)
        #expect(settings.logFormat == .json)
    }

    @Test func problemsBetweenSettingsAreFoundWhateverSetThem() {
        var settings = RelaySettings()
        #expect(settings.problems.isEmpty)
        settings.tlsCertificateFile = "/c.pem"
        #expect(
            settings.problems == [
                "'tls_cert' and 'tls_key' go together (--tls-cert and --tls-key): set both or neither"
            ])
        settings.tlsKeyFile = "/k.pem"
        settings.adminListen = HostPort(host: "0.0.0.0", port: 9090)
        #expect(settings.problems.count == 1)
        #expect(settings.problems.first?.hasPrefix("admin_listen 0.0.0.0:9090 is reachable from other hosts") == true)
        settings.adminTokenFile = "/etc/moda-relay/admin-token"
        #expect(settings.problems.isEmpty)
        settings.spoolMaxBytes = 100 << 20
        #expect(settings.problems.first?.hasPrefix("spool_max_bytes (104857600 bytes) must be at least twice") == true)
        settings.segmentBytes = 50 << 20
        #expect(settings.problems.isEmpty)
        settings.commitTimeout = .seconds(25)
        #expect(settings.problems.first?.hasPrefix("commit_timeout (25.0 seconds) must be at most 20s") == true)
    }

    @Test func tokensAndSecretsAreLoadedFromTheirFiles() throws {
        let path = "/tmp/moda-relay-token-\(UInt64.random(in: 0...UInt64.max))"
        try "\n  s3cr3t-token  \nsecond\n".write(toFile: path, atomically: true, encoding: .utf8)
        var settings = RelaySettings()
        #expect(try AdminToken.load(settings: settings) == nil)
        settings.adminTokenFile = path
        #expect(try AdminToken.load(settings: settings) == "s3cr3t-token")
        settings.adminTokenFile = path + ".missing"
        #expect(throws: SigningSecrets.Problem.self) { try AdminToken.load(settings: settings) }
        settings.secretFile = path
        #expect(throws: SigningSecrets.Problem.self) {
            // "second" is 6 bytes: refused, naming the line.
            try SigningSecrets.load(settings: settings, environment: [:])
        }
    }
}
