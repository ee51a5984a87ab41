import RelayCore
import Yams

/// How every setting's value is read from text, shared by `relay.yaml` and the command-line
/// flags so both accept and refuse exactly the same values with the same messages. `name` is
/// how the caller names the setting: `'idle_timeout'` in the file, `--shutdown-timeout` on the
/// command line.
package enum SettingValue {
    /// A refused value; the message names the setting and quotes the value.
    package struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        package var message: String
        package var description: String { message }
    }

    package static func hostPort(_ text: String, name: String) throws(Invalid) -> HostPort {
        guard let value = HostPort(parsing: text) else {
            throw Invalid(message: "\(name) must be HOST:PORT, got '\(text)'")
        }
        return value
    }

    /// A URL path: starts with `/`.
    package static func urlPath(_ text: String, name: String) throws(Invalid) -> String {
        guard text.hasPrefix("/") else { throw Invalid(message: "\(name) must start with '/', got '\(text)'") }
        return text
    }

    /// An absolute `http://` or `https://` URL with a host, no spaces or control characters.
    package static func httpURL(_ text: String, name: String) throws(Invalid) -> String {
        let lower = text.lowercased()
        let rest =
            lower.hasPrefix("https://") ? lower.dropFirst(8) : lower.hasPrefix("http://") ? lower.dropFirst(7) : nil
        guard let rest, let first = rest.first, first != "/", text.utf8.count <= 2048,
            !text.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F })
        else { throw Invalid(message: "\(name) must be an http:// or https:// URL, got '\(text)'") }
        return text
    }

    /// A positive duration: `250ms`, `1s`, `10m`, `24h`.
    package static func duration(_ text: String, name: String) throws(Invalid) -> Duration {
        guard let value = DurationParser.parse(text), value > .zero else {
            throw Invalid(message: "\(name) must be a positive duration like 250ms, 1s, 10m or 24h, got '\(text)'")
        }
        return value
    }

    /// A duration that may be zero (`0s`, `0`) or `off`.
    package static func durationOrOff(_ text: String, name: String) throws(Invalid) -> Duration {
        guard let value = DurationParser.parseOrOff(text) else {
            throw Invalid(message: "\(name) must be a duration like 500ms, 5s or 1m, or off; got '\(text)'")
        }
        return value
    }

    package static func instanceID(_ text: String, name: String) throws(Invalid) -> String {
        guard RelaySettings.isValidInstanceID(text) else {
            throw Invalid(message: "\(name) must be 1 to 64 of A-Z a-z 0-9 . _ -, got '\(text)'")
        }
        return text
    }

    /// Cluster mode's store; the message never holds the password.
    package static func postgresURL(_ text: String, name: String) throws(Invalid) -> PostgresURL {
        do throws(PostgresURL.Failure) {
            return try PostgresURL(parsing: text)
        } catch {
            throw Invalid(message: "\(name) \(error.message)")
        }
    }

    package static func logFormat(_ text: String, name: String) throws(Invalid) -> RelaySettings.LogFormat {
        guard let value = RelaySettings.LogFormat(rawValue: text) else {
            throw Invalid(message: "\(name) must be text or json, got '\(text)'")
        }
        return value
    }

    package static func logLevel(_ text: String, name: String) throws(Invalid) -> RelaySettings.LogLevel {
        guard let value = RelaySettings.LogLevel(rawValue: text) else {
            let all = RelaySettings.LogLevel.allCases.map(\.rawValue).joined(separator: ", ")
            throw Invalid(message: "\(name) must be one of \(all), got '\(text)'")
        }
        return value
    }
}

extension RelaySettings {
    /// The longest `commit_timeout`: well inside the 30 s Moda waits for an answer.
    package static let longestCommitTimeout: Duration = .seconds(20)

    /// Problems between settings, whatever set them: the TLS pair, an admin listener other
    /// hosts can reach without a token, and a spool cap its newest segment alone could fill.
    package var problems: [String] {
        var problems: [String] = []
        if commitTimeout > Self.longestCommitTimeout {
            problems.append(
                "commit_timeout (\(commitTimeout)) must be at most 20s: Moda waits 30 s for an answer, and a 503 "
                    + "must reach it in time for its retry to count")
        }
        if spoolMaxBytes < 2 * segmentBytes {
            problems.append(
                "spool_max_bytes (\(spoolMaxBytes) bytes) must be at least twice segment_bytes (\(segmentBytes) "
                    + "bytes): a spool starts a new segment only once the newest is full, so a smaller cap could be "
                    + "filled by one segment, and only whole segments are freed")
        }
        if (tlsCertificateFile == nil) != (tlsKeyFile == nil) {
            problems.append("'tls_cert' and 'tls_key' go together (--tls-cert and --tls-key): set both or neither")
        }
        if backfill.apiKeyFile != nil, backfill.callbackURLs.isEmpty {
            problems.append(
                "a Moda API key (moda_api_key_file) needs callback_url (--callback-url): the URL Moda posts to, so "
                    + "that only its deliveries are asked for again")
        }
        if adminTokenFile == nil, !adminListen.isLoopback {
            problems.append(
                "admin_listen \(adminListen) is reachable from other hosts, so the admin API needs a token: "
                    + "set admin_token_file (or --admin-token-file), or listen on 127.0.0.1")
        }
        return problems
    }
}

extension YAMLReader {
    /// A setting's value through ``SettingValue``, the error reported at `node`.
    package mutating func setting<Value>(
        _ node: Node, key: String, _ parse: (String, String) throws(SettingValue.Invalid) -> Value
    ) -> Value? {
        guard let text = string(node, key: key) else { return nil }
        do throws(SettingValue.Invalid) {
            return try parse(text, "'\(key)'")
        } catch {
            self.error(error.message, at: node)
            return nil
        }
    }
}
