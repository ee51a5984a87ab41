import Logging
import NIOCore
import NIOPosix
import RelayConfig
import RelayCore
import RelayDispatch
import ServiceLifecycle
import Spool
import Synchronization

/// One running relay: the spool writer (recovered at start), the webhook ingress and the admin
/// listener, wired together. A ``Service``: `run()` serves until graceful shutdown, then stops
/// accepting, lets in-flight commits finish and answer, and closes the spools.
package final class Relay: Service, Sendable {
    package let settings: RelaySettings
    package let metrics: RelayMetrics
    package let writer: GroupCommitWriter
    package let pipeline: AcceptPipeline
    /// The delivery worker of each enabled route, by route name.
    package let workers: [String: SinkWorker]
    private let dispatcher: CurlDispatcher
    private let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private let routeWarnings: [String]
    private let listeners = Mutex<(ingress: HTTPListener?, admin: HTTPListener?)>((nil, nil))

    /// Opens the data directory (recovering every spool) and prepares the listeners.
    package init(
        settings: RelaySettings, secrets: [String], routes: RouteTable, routeWarnings: [String] = [], logger: Logger,
        metrics: RelayMetrics = RelayMetrics(), eventLoopThreads: Int = System.coreCount
    ) throws {
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        self.routeWarnings = routeWarnings
        let now = WallClock.nowMillis()
        let windowMillis = Int64(settings.dedupeWindow.components.seconds * 1000)
        let dedupe = try LocalDedupeStore(
            directory: settings.dataDirectory + "/seen", windowMillis: windowMillis, nowMillis: now)
        var configuration = GroupCommitWriter.Configuration(dataDirectory: settings.dataDirectory)
        configuration.segmentBytes = settings.segmentBytes
        configuration.maxSpoolBytes = settings.spoolMaxBytes
        self.writer = try GroupCommitWriter(
            configuration: configuration, sinks: routes.routes.map(\.name), dedupe: dedupe,
            fingerprint: { key in
                let k = DedupeKey(key); return SeenKey(high: k.high, low: k.low)
            })
        for report in writer.recovery where report.truncatedBytes > 0 {
            logger.warning(
                "spool recovery truncated a torn tail",
                metadata: ["relay.sink": "\(report.sink)", "relay.bytes": "\(report.truncatedBytes)"])
        }
        logger.info(
            "spools recovered",
            metadata: ["relay.sinks": "\(writer.recovery.count)", "relay.seen": "\(dedupe.count)"])
        self.pipeline = AcceptPipeline(
            verifier: SignatureVerifier(
                secrets: secrets, toleranceSeconds: settings.timestampTolerance.components.seconds),
            routes: routes, writer: writer, metrics: metrics, logger: logger)
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, eventLoopThreads))
        self.dispatcher = CurlDispatcher()
        let deliveryMetrics = DeliveryMetrics(registry: metrics.registry)
        var workers: [String: SinkWorker] = [:]
        for route in routes.enabled {
            workers[route.name] = try SinkWorker(
                route: route, writer: writer, dispatcher: dispatcher, dataDirectory: settings.dataDirectory,
                logger: logger, observer: deliveryMetrics)
        }
        self.workers = workers
        let wakeable = workers
        writer.onCommit { sinks in for sink in sinks { wakeable[sink]?.wake() } }
        let enabled = routes.enabled.count
        metrics.routes(enabled: enabled, disabled: routes.routes.count - enabled)
    }

    /// The bound ingress address, once started.
    package var ingressAddress: SocketAddress? { listeners.withLock { $0.ingress?.localAddress } }
    /// The bound admin address, once started.
    package var adminAddress: SocketAddress? { listeners.withLock { $0.admin?.localAddress } }

    /// Binds the ingress and admin listeners.
    package func start() async throws {
        let webhook = WebhookHandler.Configuration(
            path: settings.path, maxBodyBytes: settings.maxBodyBytes,
            requestTimeout: .nanoseconds(
                Int64(settings.requestTimeout.components.seconds) * 1_000_000_000
                    + settings.requestTimeout.components.attoseconds / 1_000_000_000))
        let idle = TimeAmount.seconds(settings.idleTimeout.components.seconds)
        let pipeline = self.pipeline
        let metrics = self.metrics
        let logger = self.logger
        let ingress = try await HTTPListener.bind(
            name: "ingress", host: settings.listen.host, port: settings.listen.port, group: group, idleTimeout: idle,
            pipeliningAssistance: false,
            limiter: ConnectionLimiter(limit: settings.maxConnections),
            onRejected: { metrics.connectionsRejected.increment() },
            onOpenChange: { metrics.openConnections.set($0) },
            addHandlers: { sync in
                try sync.addHandler(
                    WebhookHandler(
                        configuration: webhook, pipeline: pipeline, metrics: metrics, logger: logger))
            })
        let admin: HTTPListener
        do {
            admin = try await HTTPListener.bind(
                name: "admin", host: settings.adminListen.host, port: settings.adminListen.port, group: group,
                idleTimeout: idle, pipeliningAssistance: true, limiter: ConnectionLimiter(limit: 64), onRejected: {},
                onOpenChange: { _ in },
                addHandlers: { [self] sync in
                    try sync.addHandler(
                        AdminHandler(readiness: { self.readiness() }, metrics: { self.metricsExposition() }))
                })
        } catch {
            await ingress.close()
            throw error
        }
        listeners.withLock { $0 = (ingress, admin) }
        logger.info(
            "relay listening",
            metadata: [
                "relay.ingress": "\(ingress.localAddress.map(Self.describe) ?? "?")",
                "relay.admin": "\(admin.localAddress.map(Self.describe) ?? "?")",
                "relay.path": "\(settings.path)",
            ])
    }

    /// Serves until graceful shutdown (SIGTERM/SIGINT under a `ServiceGroup`), then stops.
    package func run() async throws {
        if ingressAddress == nil { try await start() }
        // Returns on graceful shutdown (or throws on cancellation); either way, stop cleanly.
        try? await gracefulShutdown()
        logger.info("shutting down: no longer accepting; finishing in-flight commits")
        await stop()
    }

    /// Stops accepting, commits what is queued (answering those requests), closes the spools.
    package func stop() async {
        let (ingress, admin) = listeners.withLock { $0 }
        await ingress?.close()
        await writer.close()
        // Workers stop between attempts and flush their acknowledgements; what they had not
        // delivered stays in the spools for the next start.
        for worker in workers.values { await worker.stop() }
        await dispatcher.stop()
        // Let answers produced by the final commits reach their sockets.
        try? await Task.sleep(for: .milliseconds(50))
        await admin?.close()
        try? await group.shutdownGracefully()
        logger.info("relay stopped")
    }

    /// Readiness: the spools are writable and the last commit succeeded.
    package func readiness() -> Readiness {
        var problems: [String] = []
        if let error = writer.lastError { problems.append("spool: last commit failed: \(error)") }
        for directory in [settings.dataDirectory + "/spool", settings.dataDirectory + "/seen"]
        where !SpoolFiles.isWritableDirectory(directory) {
            problems.append("spool: \(directory) is not writable")
        }
        return Readiness(problems: problems, warnings: routeWarnings)
    }

    /// The metrics text, with spool gauges refreshed.
    package func metricsExposition() -> [UInt8] {
        for (sink, stats) in writer.statistics() {
            metrics.spool(sink: sink, bytes: stats.bytes, segments: stats.segments)
        }
        return metrics.exposition()
    }

    private static func describe(_ address: SocketAddress) -> String {
        "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
    }
}
