import Foundation
import Ingress
import NIOCore
import RelayApp
import RelayConfig
import RelayCore
import RelayDispatch
import RelayTestSupport
import ServiceLifecycle
import Sinks
import Spool

/// A real relay on ephemeral ports with its own data directory, for one test.
final class TestRelay: Sendable {
    let relay: Relay
    /// The relay's services, run as `serve` runs them.
    let group: ServiceGroup
    private let running: Task<Void, any Error>
    let logs: LogRecorder
    let dataDirectory: String
    let port: Int
    let adminPort: Int

    init(
        routes: [Route] = [TestRelay.fileRoute("archive")], configure: (inout RelaySettings) -> Void = { _ in },
        dataDirectory: String? = nil, adminToken: String? = nil, environment: [String: String] = [:],
        fileSystem: any FileSystem = PosixFileSystem.shared, modaAPIKey: String? = nil,
        secrets: [String] = ["some-other-key-secret", SignedEvent.secret]
    )
        async throws
    {
        let data =
            dataDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("relay-\(UUID().uuidString)").path
        var settings = RelaySettings()
        settings.listen = HostPort(host: "127.0.0.1", port: 0)
        settings.adminListen = HostPort(host: "127.0.0.1", port: 0)
        settings.dataDirectory = data
        configure(&settings)
        // File sinks write inside this test's own directory.
        let routes = routes.map { route in
            guard let file = route.sink as? FileSinkSettings else { return route }
            var route = route
            route.sink = FileSinkSettings(
                path: data + "/files/\(route.name).jsonl", maxBytes: file.maxBytes, keep: file.keep)
            return route
        }
        let logs = LogRecorder()
        let relay = try await Relay(
            settings: settings, secrets: secrets,
            routes: RouteTable(routes: routes),
            routeWarnings: routes.filter { !$0.enabled }.map { "route '\($0.name)' is disabled" },
            logger: logs.logger(), eventLoopThreads: 2, adminToken: adminToken, environment: environment,
            fileSystem: fileSystem, modaAPIKey: modaAPIKey)
        let group = relay.serviceGroup(logger: logs.logger())
        running = Task { try await group.run() }
        try await relay.listening.wait()
        self.group = group
        self.relay = relay
        self.logs = logs
        self.dataDirectory = data
        self.port = relay.ingressAddress!.port!
        self.adminPort = relay.adminAddress!.port!
    }

    static func fileRoute(_ name: String, match: RouteMatch = RouteMatch(), enabled: Bool = true) -> Route {
        Route(
            name: name, sink: FileSinkSettings(path: "/tmp/unused-\(name).jsonl", maxBytes: 1 << 20, keep: 1),
            match: match,
            enabled: enabled, disabledReason: enabled ? nil : "test")
    }

    /// Stops the relay gracefully (its service group, in order) and removes its data.
    func shutdown(keepData: Bool = false) async {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        if !keepData { try? FileManager.default.removeItem(atPath: dataDirectory) }
    }

    /// Waits until the worker of `sink` has published a state in which its spool holds `depth`
    /// undelivered records and it holds none of them: everything it would have sent by then
    /// has been sent and answered. A barrier for asserting that something did not happen,
    /// instead of sleeping a fixed time. `delivered`: at least this many delivered too.
    func workerSettles(_ sink: String, depth: Int = 0, delivered: Int = 0, timeout: Duration = .seconds(10))
        async throws -> Bool
    {
        try await eventually(timeout) {
            guard let status = relay.fleet.worker(sink)?.currentStatus else { return false }
            return status.depth == depth && status.inFlight == 0 && status.delivered >= delivered
        }
    }

    /// POSTs a signed event on a new connection and reads the answer.
    func post(_ body: [UInt8], headers: [(String, String)]? = nil) throws -> RawConnection.Response {
        let connection = try RawConnection(port: port)
        try connection.request(headers: headers ?? SignedEvent.headers(body: body), body: body)
        return try connection.readResponse()
    }

    func admin(_ path: String) throws -> RawConnection.Response {
        try admin("GET", path)
    }

    /// Calls the admin API; `token` goes in `Authorization: Bearer`.
    func admin(_ method: String, _ path: String, json: String? = nil, token: String? = nil) throws
        -> RawConnection.Response
    {
        let connection = try RawConnection(port: adminPort)
        var headers: [(String, String)] = []
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        if json != nil { headers.append(("Content-Type", "application/json")) }
        try connection.request(method: method, path: path, headers: headers, body: Array((json ?? "").utf8))
        return try connection.readResponse()
    }

    /// Dedupe keys of the records in a sink's spool, read from the segment files on disk.
    func spooledKeys(sink: String) throws -> [String] {
        let directory = dataDirectory + "/spool/" + sink
        var keys: [String] = []
        for name in SpoolFiles.list(directory) where name.hasSuffix(".seg") {
            let bytes = try SpoolFiles.read(directory + "/" + name)
            for payload in Frame.scan(bytes, from: SpoolFormat.segmentMagic.count).payloads {
                keys.append(SpoolRecord(decoding: payload)!.dedupeKey)
            }
        }
        return keys
    }

    /// The value of one metric series in `/metrics`, or nil.
    func metric(_ series: String) throws -> Double? {
        let text = try admin("/metrics").body
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }
}
