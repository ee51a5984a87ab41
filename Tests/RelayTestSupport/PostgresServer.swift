import Foundation
import Synchronization

/// A real PostgreSQL 15 server for tests, on 127.0.0.1 and a free port, with its data in a
/// temporary directory.
///
/// `initdb` refuses root, so the server runs as the `postgres` user (through `setpriv`, which
/// also asks the kernel to kill it when the test process exits: no server outlives a run).
/// Password authentication (SCRAM) is on, so the relay's URL handling is exercised for real.
package final class PostgresServer: Sendable {
    package let port: Int
    package let directory: String
    package static let user = "relay"
    package static let password = "p@ss:w/rd"
    private let process = Mutex<(server: ChildProcess, exited: DispatchSemaphore)?>(nil)
    /// Extra `-c NAME=VALUE` server settings.
    private let settings: [String: String]

    /// The binaries of Debian's `postgresql-15`.
    package static let binaries = "/usr/lib/postgresql/15/bin"

    /// One server shared by every test of this process (each test takes its own database).
    package static let shared: PostgresServer = {
        removeStaleDirectories()
        do {
            return try PostgresServer()
        } catch {
            fatalError("cannot start PostgreSQL for the tests: \(error)")
        }
    }()

    /// Removes the directories of servers that earlier test runs left behind: each is named
    /// after the test process that made it, and a server dies with its process.
    static func removeStaleDirectories() {
        let temporary = FileManager.default.temporaryDirectory.path
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [] where name.hasPrefix("pg-")
        {
            let owner = name.dropFirst(3).prefix { $0 != "-" }
            guard let pid = Int32(owner), pid != getpid(), Foundation.kill(pid, 0) != 0 else { continue }
            try? FileManager.default.removeItem(atPath: temporary + "/" + name)
        }
    }

    /// `initdb` into a new temporary directory, then starts the server with `settings` (extra
    /// `-c` options). `files` are copied into the data directory first, owned by postgres with
    /// mode 0600 (a TLS key, a `pg_hba.conf`).
    package init(settings: [String: String] = [:], files: [String: String] = [:]) throws {
        self.settings = settings
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("pg-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let passwordFile = directory + "/pw"
        try Self.password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
        try Self.run("/bin/chown", ["-R", "postgres:postgres", directory])
        try Self.run(
            "/usr/bin/setpriv",
            [
                "--reuid=postgres", "--regid=postgres", "--init-groups", Self.binaries + "/initdb", "-D",
                directory + "/data", "-U", Self.user, "--pwfile=\(passwordFile)", "-A", "scram-sha-256", "--no-sync",
                "-E", "UTF8",
            ])
        for (name, source) in files {
            let target = directory + "/data/" + name
            try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.copyItem(atPath: source, toPath: target)
            try Self.run("/bin/chown", ["postgres:postgres", target])
            try Self.run("/bin/chmod", ["0600", target])
        }
        port = try Self.freePort()
        try start()
    }

    /// Starts (or restarts) the server on its port and waits until it takes connections.
    package func start() throws {
        let arguments =
            [
                "--reuid=postgres", "--regid=postgres", "--init-groups", "--pdeathsig", "KILL",
                Self.binaries + "/postgres",
                "-D", directory + "/data", "-p", "\(port)", "-c", "listen_addresses=127.0.0.1", "-c",
                "unix_socket_directories=\(directory)", "-c", "fsync=off", "-c", "max_connections=200", "-c",
                "shared_buffers=32MB",
            ] + settings.sorted { $0.key < $1.key }.flatMap { ["-c", "\($0.key)=\($0.value)"] }
        // The kernel's parent-death signal follows the *thread* that spawned the server, so a
        // thread of its own spawns it and lives exactly as long as it does.
        // kill() waits on `exited`, which that thread signals.
        let spawned = DispatchSemaphore(value: 0)
        let exited = DispatchSemaphore(value: 0)
        let started = Mutex<Result<ChildProcess, any Error>?>(nil)
        let owner = Thread {
            do {
                let server = try ChildProcess("/usr/bin/setpriv", arguments, output: .null, errors: .null)
                started.withLock { $0 = .success(server) }
                spawned.signal()
                server.waitUntilExit()
            } catch {
                started.withLock { $0 = .failure(error) }
                spawned.signal()
            }
            exited.signal()
        }
        owner.start()
        spawned.wait()
        let server = try started.withLock { $0! }.get()
        process.withLock { $0 = (server, exited) }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            // This server, not another test's that holds the port (its own could not bind then).
            if let answering = try? psql("SHOW data_directory") {
                guard answering == directory + "/data" else {
                    throw Failure(message: "port \(port) is held by another server (\(answering))")
                }
                return
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw Failure(message: "PostgreSQL did not start on port \(port)")
    }

    /// Kills the server at once, as a crash would: SIGKILL to every backend and to the postmaster
    /// (a backend left alone would keep answering its session for a while).
    package func kill() {
        guard
            let (server, exited) = process.withLock({ running in
                defer { running = nil }
                return running
            })
        else { return }
        // Freeze the postmaster first, so it cannot fork a backend for a reconnecting client
        // between the backends' death and its own: everything dies at once, as in a crash.
        Foundation.kill(server.processIdentifier, SIGSTOP)
        _ = try? ChildProcess.run("/usr/bin/pkill", ["-KILL", "-P", "\(server.processIdentifier)"])
        Foundation.kill(server.processIdentifier, SIGKILL)
        exited.wait()
        // Backends notice their postmaster is gone and exit; wait until the port is free.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, let answering = try? psql("SHOW data_directory") {
            precondition(answering == directory + "/data", "port \(port) is answered by another server: \(answering)")
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 0.2)
    }

    /// Stops the server and removes its directory.
    package func stop() {
        kill()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A new, empty database; returns its name.
    package func createDatabase() throws -> String {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        _ = try psql("CREATE DATABASE \(name)")
        return String(name)
    }

    /// The relay's URL for `database` (the password percent-encoded).
    package func url(database: String, extra: String = "") -> String {
        let encoded = Self.password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return "postgresql://\(Self.user):\(encoded)@127.0.0.1:\(port)/\(database)?sslmode=disable\(extra)"
    }

    /// Runs `sql` with psql and returns its unaligned, tuples-only output.
    @discardableResult
    package func psql(_ sql: String, database: String = "postgres") throws -> String {
        let client = try ChildProcess.run(
            "/usr/bin/psql",
            [
                "-h", "127.0.0.1", "-p", "\(port)", "-U", Self.user, "-d", database, "-X", "-q", "-A", "-t", "-v",
                "ON_ERROR_STOP=1", "-c", sql,
            ],
            environment: ["PGPASSWORD": Self.password, "PGCONNECT_TIMEOUT": "2", "PGSSLMODE": "prefer"])
        guard client.status == 0 else { throw Failure(message: "psql: \(client.standardError)") }
        return client.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    package struct Failure: Error, CustomStringConvertible {
        package var message: String
        package var description: String { message }
    }

    private static func run(_ executable: String, _ arguments: [String]) throws {
        let finished = try ChildProcess.run(executable, arguments)
        guard finished.status == 0 else {
            throw Failure(message: "\(executable) \(arguments.first ?? ""): \(finished.standardError)")
        }
    }

    /// A free port below the kernel's ephemeral range (see ``LowPort``): the server binds it again
    /// on every restart, and no outgoing connection of another test can be given it meanwhile.
    private static func freePort() throws -> Int {
        let reserved = try LowPort()
        reserved.release()
        return reserved.port
    }
}
