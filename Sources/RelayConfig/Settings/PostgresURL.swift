import Foundation
import RelayCore

/// Where cluster mode's shared claim store lives: a libpq-style
/// `postgresql://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=MODE` URL, parsed strictly.
///
/// Every part is checked on its own bytes; percent-escapes must be valid and decode to UTF-8
/// without control characters. ``description`` and every error message leave the password out.
package struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// libpq's `sslmode` values this relay supports.
    package enum SSLMode: String, Sendable, Equatable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, without checking the certificate (libpq's default).
        case prefer
        /// TLS or no connection; the certificate is not checked.
        case require
        /// TLS with the certificate checked against the trusted roots (`sslrootcert` or the system's).
        case verifyCA = "verify-ca"
        /// As `verify-ca`, and the certificate must name the host (a host name: the name check
        /// goes through SNI, which carries no IP addresses).
        case verifyFull = "verify-full"
    }

    /// Why a URL was refused (never quotes the password).
    package struct Failure: Error, Equatable, CustomStringConvertible {
        package var message: String
        package var description: String { message }
    }

    package var user: String
    package var password: String?
    package var host: String
    package var port: Int
    package var database: String
    package var sslMode: SSLMode
    /// PEM file of roots to trust for `verify-ca`/`verify-full`; nil: the system's.
    package var sslRootCertificate: String?
    /// Seconds a connection attempt may take.
    package var connectTimeoutSeconds: Int

    /// The URL with the password replaced by `***`, fit for logs and `check`.
    package var description: String {
        let secret = password == nil ? "" : ":***"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgresql://\(user)\(secret)@\(shownHost):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
    }

    /// Host, port and database only.
    package var endpoint: String {
        (host.contains(":") ? "[\(host)]" : host) + ":\(port)/\(database)"
    }

    package init(parsing text: String) throws(Failure) {
        let utf8 = Array(text.utf8)
        guard let schemeEnd = text.range(of: "://"),
            ["postgresql", "postgres"].contains(String(text[..<schemeEnd.lowerBound]))
        else { throw Failure(message: "must start with postgresql:// (or postgres://)") }
        guard !utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw Failure(message: "must not contain spaces or control characters (percent-encode them)")
        }
        let rest = Substring(text[schemeEnd.upperBound...])
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var tail = rest[authorityEnd...]

        var hostPort = authority
        var user = ""
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = try Self.decode(userInfo[..<colon], part: "user name")
                password = try Self.decode(userInfo[userInfo.index(after: colon)...], part: "password")
            } else {
                user = try Self.decode(userInfo, part: "user name")
            }
        }
        guard !user.isEmpty else { throw Failure(message: "needs a user name (postgresql://USER@HOST/DB)") }

        var host: Substring
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw Failure(message: "an IPv6 host needs its ']'") }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw Failure(message: "unexpected text after the IPv6 host") }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort
        }
        guard !host.isEmpty else { throw Failure(message: "needs a host") }
        guard host.utf8.allSatisfy({ Self.isHostByte($0) }) else {
            throw Failure(message: "the host may hold only letters, digits, '.', '-', '_' and ':' (IPv6)")
        }
        var port = 5432
        if let portText {
            guard portText.utf8.count <= 5, portText.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                let value = Int(portText), (1...65535).contains(value)
            else { throw Failure(message: "the port must be a number from 1 to 65535") }
            port = value
        }

        var database = user
        if tail.hasPrefix("/") {
            tail = tail.dropFirst()
            let pathEnd = tail.firstIndex(of: "?") ?? tail.endIndex
            let name = try Self.decode(tail[..<pathEnd], part: "database name")
            guard !name.contains("/") else { throw Failure(message: "the database name must not contain '/'") }
            if !name.isEmpty { database = name }
            tail = tail[pathEnd...]
        }

        var sslMode = SSLMode.prefer
        var rootCertificate: String?
        var connectTimeout = 5
        if tail.hasPrefix("?") {
            for pair in tail.dropFirst().split(separator: "&", omittingEmptySubsequences: false) {
                guard let equals = pair.firstIndex(of: "=") else {
                    throw Failure(message: "query parameters are KEY=VALUE, got '\(pair)'")
                }
                let key = String(pair[..<equals])
                let value = try Self.decode(pair[pair.index(after: equals)...], part: "value of '\(key)'")
                switch key {
                case "sslmode":
                    guard let mode = SSLMode(rawValue: value) else {
                        let modes = SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
                        throw Failure(message: "sslmode must be one of \(modes), got '\(value)'")
                    }
                    sslMode = mode
                case "sslrootcert":
                    guard !value.isEmpty else { throw Failure(message: "sslrootcert needs a file") }
                    rootCertificate = value
                case "connect_timeout":
                    guard value.utf8.count <= 4, let seconds = Int(value), (1...3600).contains(seconds) else {
                        throw Failure(message: "connect_timeout must be whole seconds from 1 to 3600, got '\(value)'")
                    }
                    connectTimeout = seconds
                default:
                    throw Failure(
                        message: "unknown parameter '\(key)' (supported: sslmode, sslrootcert, connect_timeout)")
                }
            }
        } else if !tail.isEmpty {
            throw Failure(message: "unexpected text after the host")
        }
        if sslMode == .verifyFull
            && (host.contains(":") || host.utf8.allSatisfy { $0 == UInt8(ascii: ".") || (0x30...0x39).contains($0) })
        {
            // The name check goes through SNI, which carries host names only.
            throw Failure(
                message:
                    "sslmode=verify-full needs a host name, not an IP address (use verify-ca, or the name in the certificate)"
            )
        }
        if rootCertificate != nil && !(sslMode == .verifyCA || sslMode == .verifyFull) {
            throw Failure(message: "sslrootcert is used only with sslmode=verify-ca or verify-full")
        }
        self.user = user
        self.password = password
        self.host = String(host)
        self.port = port
        self.database = database
        self.sslMode = sslMode
        self.sslRootCertificate = rootCertificate
        self.connectTimeoutSeconds = connectTimeout
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"),
            UInt8(ascii: ":"):
            return true
        default:
            return false
        }
    }

    /// Percent-decodes `text`; the result must be UTF-8 without control characters.
    private static func decode(_ text: Substring, part: String) throws(Failure) -> String {
        let decoded: String
        do throws(PercentEncoding.Failure) {
            decoded = try PercentEncoding.decode(text, plusIsSpace: false)
        } catch .badEscape {
            throw Failure(message: "the \(part) has a '%' not followed by two hex digits")
        } catch {
            throw Failure(message: "the \(part) is not valid UTF-8 once decoded")
        }
        guard !decoded.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw Failure(message: "the \(part) holds a control character")
        }
        return decoded
    }
}
