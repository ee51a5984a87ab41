import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The real `moda-relay` binary, run as a child process.
public final class RelayProcess {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) { self.description = description }
    }

    /// `moda-relay` next to the test bundle (both live in the build's products directory).
    public static var binary: String {
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("moda-relay").path
    }

    /// The running relay.
    public let process: ChildProcess
    private let stderrLines = Lines()
    public private(set) var port = 0
    public private(set) var adminPort = 0

    /// Starts `moda-relay` with `arguments` and `environment` (added to a minimal base).
    public init(arguments: [String], environment: [String: String]) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw Failure(description: "moda-relay binary not found at \(Self.binary); build the package first")
        }
        var env = ["PATH": "/usr/bin:/bin"]
        for (key, value) in environment { env[key] = value }
        process = try ChildProcess(Self.binary, arguments, environment: env, output: .null, errors: .pipe)
        let lines = stderrLines
        let pipe = process.standardError!
        // Whole lines only: a line split across two reads is joined before it is kept.
        Thread {
            var pending: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 16384)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(pipe, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                pending += chunk[..<count]
                guard let last = pending.lastIndex(of: UInt8(ascii: "\n")) else { continue }
                let text = String(decoding: pending[..<last], as: UTF8.self)
                lines.append(text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
                pending.removeSubrange(...last)
            }
            if !pending.isEmpty { lines.append([String(decoding: pending, as: UTF8.self)]) }
            close(pipe)
        }.start()
    }

    public var stderr: [String] { stderrLines.all }

    /// Waits for the "relay listening" line and reads the bound ports from it.
    public func waitUntilListening(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = stderr.first(where: { $0.contains("relay listening") }) {
                port = Self.port(after: "relay.ingress=", in: line)
                adminPort = Self.port(after: "relay.admin=", in: line)
                if port > 0 { return }
            }
            if !process.isRunning { throw Failure(description: "relay exited: \(stderr.joined(separator: "\n"))") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "relay did not start listening: \(stderr.joined(separator: "\n"))")
    }

    /// The port in `relay.ingress=HOST:PORT` (text logs) or `"relay.ingress":"HOST:PORT"` (JSON logs).
    private static func port(after marker: String, in line: String) -> Int {
        let key = String(marker.dropLast())
        let range = line.range(of: marker) ?? line.range(of: "\"\(key)\":\"")
        guard let range else { return 0 }
        let value = line[range.upperBound...].drop { $0 == "\"" }
        let rest = value.prefix { $0 != " " && $0 != "\"" }
        return Int(rest.split(separator: ":").last ?? "") ?? 0
    }

    /// Sends `signal` (SIGHUP, SIGTERM, …) to the relay.
    public func signal(_ signal: Int32) {
        process.signal(signal)
    }

    /// `moda-relay ARGS --admin 127.0.0.1:<admin port>` run to completion.
    public func cli(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String, String) {
        try Self.run(arguments + ["--admin", "127.0.0.1:\(adminPort)"], environment: environment)
    }

    /// SIGKILL: no chance to flush anything.
    public func kill9() {
        process.signal(SIGKILL)
        process.waitUntilExit()
    }

    /// Waits for exit and returns the status.
    public func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill9()
                throw Failure(description: "relay did not exit in time")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// Runs `moda-relay` to completion and returns (status, stdout, stderr).
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String, String)
    {
        var env = ["PATH": "/usr/bin:/bin"]
        for (key, value) in environment { env[key] = value }
        let finished = try ChildProcess.run(binary, arguments, environment: env)
        return (finished.status, finished.standardOutput, finished.standardError)
    }
}

/// Lines collected from a child's stderr, from the pipe's reader thread.
public final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    public func append(_ new: [String]) { lines.withLock { $0.append(contentsOf: new) } }
    public var all: [String] { lines.withLock { $0 } }
}

/// A scratch directory with a routes folder.
public struct Workspace {
    public let root: String
    public var routes: String { root + "/routes" }
    public var data: String { root + "/data" }

    public init(routes: [String: String]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ws-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/routes", withIntermediateDirectories: true)
        // "$ROOT" in a route stands for this workspace, so file sinks write inside it.
        for (name, text) in routes {
            try text.replacingOccurrences(of: "$ROOT", with: root)
                .write(toFile: root + "/routes/" + name, atomically: false, encoding: .utf8)
        }
    }

    /// `serve` on ephemeral ports with this workspace's routes and data.
    public var serveArguments: [String] {
        ["serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--routes", routes, "--data-dir", data]
    }

    public func cleanup() { try? FileManager.default.removeItem(atPath: root) }
}
