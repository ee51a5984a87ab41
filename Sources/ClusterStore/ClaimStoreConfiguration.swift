import NIOCore
import NIOSSL
import PostgresNIO
import RelayCore

/// Where and how cluster mode reaches its PostgreSQL store.
package struct ClaimStoreConfiguration: Sendable {
    /// TLS towards the server, after libpq's `sslmode`.
    package enum TLSMode: Sendable, Equatable {
        case disable
        /// TLS if the server offers it; the certificate is not checked.
        case prefer
        /// TLS or nothing; the certificate is not checked.
        case require
        /// TLS, the certificate chain checked against `roots` (a PEM file; nil: the system's).
        case verifyCA(roots: String?)
        /// As `verifyCA`, and the certificate must name the host.
        case verifyFull(roots: String?)
    }

    package var host: String
    package var port: Int
    package var user: String
    package var password: String?
    package var database: String
    package var tls: TLSMode
    /// This instance's name, stored with each claim.
    package var instanceID: String
    /// How long a claim may wait for another instance's uncommitted claim (PostgreSQL's
    /// `lock_timeout` on the writer's session).
    package var lockTimeout: Duration = .seconds(5)
    package var connectTimeout: Duration = .seconds(5)
    /// Claims older than this are expired (the dedupe window).
    package var windowMillis: Int64 = 86_400_000
    /// How often expired claims are deleted.
    package var expiryInterval: Duration = .seconds(60)
    /// Rows deleted per expiry statement.
    package var expiryBatch = 5000
    /// How often the store is probed while it is up.
    package var probeInterval: Duration = .seconds(2)

    package init(
        host: String, port: Int, user: String, password: String?, database: String, tls: TLSMode, instanceID: String
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
        self.instanceID = instanceID
    }

    /// Longest any single round trip may take before the connection is given up: a claim may
    /// wait up to the lock timeout, plus a margin for the round trip itself.
    var roundTripLimit: Duration { lockTimeout + .seconds(2) }

    /// Host, port and database, for logs and `/readyz` (never the password).
    package var endpoint: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)/\(database)" }

    /// The postgres-nio configuration of one session: TLS as asked, and the session settings
    /// sent in the startup packet (no extra round trip): the lock timeout, a bound on idle
    /// transactions (so a stalled instance's claims vanish), and a name DBAs can see.
    func connectionConfiguration(role: String) throws -> PostgresConnection.Configuration {
        let tlsSetting: PostgresConnection.Configuration.TLS
        switch tls {
        case .disable:
            tlsSetting = .disable
        case .prefer, .require:
            var client = TLSConfiguration.makeClientConfiguration()
            client.certificateVerification = .none
            let context = try NIOSSLContext(configuration: client)
            tlsSetting = tls == .prefer ? .prefer(context) : .require(context)
        case .verifyCA(let roots), .verifyFull(let roots):
            var client = TLSConfiguration.makeClientConfiguration()
            if case .verifyCA = tls {
                client.certificateVerification = .noHostnameVerification
            } else {
                client.certificateVerification = .fullVerification
            }
            if let roots { client.trustRoots = .file(roots) }
            tlsSetting = .require(try NIOSSLContext(configuration: client))
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tlsSetting)
        configuration.options.connectTimeout = .nanoseconds(connectTimeout.wholeNanoseconds)
        // postgres-nio sends the host as SNI (and NIOSSL checks the certificate against it) when it
        // is a name; `PostgresURL` refuses verify-full with an IP address.
        let lockMillis = max(1, lockTimeout.milliseconds)
        let idleMillis = max(10_000, 2 * lockMillis)
        configuration.options.additionalStartupParameters = [
            ("application_name", "moda-relay \(instanceID) \(role)"),
            ("lock_timeout", "\(lockMillis)ms"),
            ("idle_in_transaction_session_timeout", "\(idleMillis)ms"),
        ]
        return configuration
    }
}

extension Duration {
    /// Whole milliseconds, rounded up (a sub-millisecond timeout is not zero).
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    }
}
