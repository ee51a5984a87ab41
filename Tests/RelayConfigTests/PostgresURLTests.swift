import RelayConfig
import Testing

@Suite struct PostgresURLTests {
    @Test func aFullURLIsParsedAndPrintedWithoutItsPassword() throws {
        let url = try PostgresURL(
            parsing:
                "postgresql://relay:s%40cr%3At%2Fw@db.internal:6543/moda?sslmode=verify-full&sslrootcert=/etc/ca.pem")
        #expect(url.user == "relay")
        #expect(url.password == "s@cr:t/w")
        #expect(url.host == "db.internal")
        #expect(url.port == 6543)
        #expect(url.database == "moda")
        #expect(url.sslMode == .verifyFull)
        #expect(url.sslRootCertificate == "/etc/ca.pem")
        #expect(url.description == "postgresql://relay:***@db.internal:6543/moda?sslmode=verify-full")
        #expect(!url.description.contains("s@cr"))
    }

    @Test func defaultsFollowLibpq() throws {
        let url = try PostgresURL(parsing: "postgres://relay@127.0.0.1")
        #expect(url.port == 5432)
        #expect(url.database == "relay")
        #expect(url.password == nil)
        #expect(url.sslMode == .prefer)
        #expect(url.connectTimeoutSeconds == 5)
        let v6 = try PostgresURL(parsing: "postgresql://u:p@[::1]:5433/d?sslmode=require&connect_timeout=2")
        #expect(try PostgresURL(parsing: "postgresql://u@127.0.0.1/d?sslmode=verify-ca").sslMode == .verifyCA)
        #expect(v6.host == "::1")
        #expect(v6.port == 5433)
        #expect(v6.endpoint == "[::1]:5433/d")
        #expect(v6.connectTimeoutSeconds == 2)
    }

    @Test(arguments: [
        ("mysql://u@h/d", "must start with postgresql://"),
        ("postgresql://h/d", "needs a user name"),
        ("postgresql://u@/d", "needs a host"),
        ("postgresql://u@h:0/d", "port must be a number from 1 to 65535"),
        ("postgresql://u@h:99999/d", "port must be a number"),
        ("postgresql://u@h:5432x/d", "port must be a number"),
        ("postgresql://u@h/d?sslmode=allow", "sslmode must be one of"),
        ("postgresql://u@h/d?sslmode=require&sslrootcert=/ca.pem", "sslrootcert is used only with"),
        ("postgresql://u@h/d?application_name=x", "unknown parameter 'application_name'"),
        ("postgresql://u@h/d?sslmode", "query parameters are KEY=VALUE"),
        ("postgresql://u:%zz@h/d", "the password has a '%' not followed by two hex digits"),
        ("postgresql://u:%ff@h/d", "the password is not valid UTF-8"),
        ("postgresql://u:%0a@h/d", "the password holds a control character"),
        ("postgresql://u@h/d/e", "database name must not contain '/'"),
        ("postgresql://u@h o/d", "must not contain spaces"),
        ("postgresql://u@h;x/d", "the host may hold only"),
        ("postgresql://u@[::1/d", "an IPv6 host needs its ']'"),
        ("postgresql://u@h/d?connect_timeout=0", "connect_timeout must be whole seconds"),
        ("postgresql://u@127.0.0.1/d?sslmode=verify-full", "verify-full needs a host name, not an IP address"),
        ("postgresql://u@[::1]/d?sslmode=verify-full", "verify-full needs a host name"),
    ])
    func badURLsAreRefusedWithAReason(_ text: String, _ reason: String) {
        #expect {
            _ = try PostgresURL(parsing: text)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test func noErrorQuotesThePassword() {
        for text in [
            "postgresql://u:hunter2-secret@h:70000/d", "postgresql://u:hunter2-secret@h/d?sslmode=nope",
            "postgresql://u:hunter2-secret@h/d?x=1", "postgresql://u:hunter2-secret@h bad/d",
        ] {
            do {
                _ = try PostgresURL(parsing: text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(!error.message.contains("hunter2"), "\(error.message)")
            }
        }
    }

    /// Found by FuzzPostgresURL: a password that also appears in the host and port is still masked.
    @Test func aPasswordThatLooksLikeTheHostIsStillMasked() throws {
        let url = try PostgresURL(parsing: "postgres://0ss@[:0]:6154@[:0]:61543")
        #expect(url.user == "0ss@[")
        #expect(url.password == "0]:6154")
        #expect(url.description.hasPrefix("postgresql://0ss@[:***@"))
    }

    @Test func relayYAMLTakesTheURLAndInstanceWithPositions() {
        var settings = RelaySettings()
        let good = RelaySettings.load(
            text:
                "postgres_url: postgresql://relay:pw@127.0.0.1:5432/moda\ninstance_id: edge-1\npostgres_lock_timeout: 2s\n",
            file: "relay.yaml", environment: [:], into: &settings)
        #expect(good.isEmpty)
        #expect(settings.postgresURL?.database == "moda")
        #expect(settings.instanceID == "edge-1")
        #expect(settings.postgresLockTimeout == .seconds(2))
        let bad = RelaySettings.load(
            text: "listen: 127.0.0.1:8080\npostgres_url: postgresql://relay:topsecret@h:0/d\ninstance_id: bad id\n",
            file: "relay.yaml", environment: [:], into: &settings)
        #expect(bad.map(\.description).contains { $0.hasPrefix("relay.yaml:2:15: 'postgres_url' the port must be") })
        #expect(bad.map(\.description).contains { $0.hasPrefix("relay.yaml:3:14: 'instance_id' must be") })
        #expect(!bad.map(\.description).joined().contains("topsecret"))
    }
}
