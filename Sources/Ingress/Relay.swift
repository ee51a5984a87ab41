import ClusterStore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import RelayConfig
import RelayCore
import RelayDispatch
import ServiceLifecycle
import Sinks
import Spool
import Synchronization
import UnixSignals

/// One running relay: the spool writer (recovered at start), the webhook ingress, the sink
/// workers and the admin listener, wired together. A ``Service``: `run()` serves (reloading
/// routes and TLS on SIGHUP and on route-file changes) until graceful shutdown, then stops.
package final class Relay: Service, Sendable {
    package let settings: RelaySettings
    package let metrics: RelayMetrics
    package let writer: GroupCommitWriter
    package let pipeline: AcceptPipeline
    /// The delivery workers, by route name.
    package let fleet: SinkFleet
    /// Torn tails, corrupt ranges and lost records found in the data directory.
    package let integrity = SpoolIntegrity()
    /// Request-body bytes the ingress holds in memory, across connections (`max_buffered_bytes`).
    let budget: BodyBudget
    /// The ingress certificate, when it speaks HTTPS.
    package let tls: TLSCredentials?
    let adminToken: [UInt8]?
    let logger: Logger
    let environment: [String: String]
    /// Cluster mode's shared claim store and its maintenance loop; nil when local only.
    package let cluster: ClusterMode?
    private let dispatcher: CurlDispatcher
    private let group: MultiThreadedEventLoopGroup
    /// Admin work that reads or syncs files (dead letters, replays): never on an event loop or
    /// the cooperative pool.
    let blockingPool = NIOThreadPool(numberOfThreads: 2)
    let state = Mutex(RuntimeState())
    private let listeners = Mutex<(ingress: HTTPListener?, admin: HTTPListener?)>((nil, nil))

    /// What changes while the relay runs.
    struct RuntimeState {
        var routeWarnings: [String] = []
        var lastReloadError: String?
        var shuttingDown = false
        var hangups: UnixSignalsSequence?
    }

    /// Opens the data directory (recovering every spool), starts a worker per enabled route and
    /// prepares the listeners. `environment` expands `${VAR}` when routes are reloaded.
    package init(
        settings: RelaySettings, secrets: [String], routes: RouteTable, routeWarnings: [String] = [], logger: Logger,
        metrics: RelayMetrics = RelayMetrics(), eventLoopThreads: Int = System.coreCount, tls: TLSCredentials? = nil,
        adminToken: String? = nil, environment: [String: String] = [:]
    ) async throws {
        self.settings = settings
        self.metrics = metrics
        self.budget = BodyBudget(limit: settings.maxBufferedBytes)
        self.logger = logger
        self.tls = tls
        self.adminToken = adminToken.map { Array($0.utf8) }
        self.environment = environment
        let now = WallClock.nowMillis()
        let windowMillis = settings.dedupeWindow.wholeMilliseconds
        let integrity = self.integrity
        integrity.observe { finding in
            metrics.storageFinding(file: finding.fileKind, kind: finding.kind.rawValue)
            let metadata: Logger.Metadata = [
                "relay.file": "\(finding.path)", "relay.finding": "\(finding.kind.rawValue)",
                "relay.detail": "\(finding)",
            ]
            if finding.isDamage {
                logger.error("damaged bytes in the data directory", metadata: metadata)
            } else {
                logger.warning("recovery truncated a torn tail", metadata: metadata)
            }
        }
        let dedupe = try LocalDedupeStore(
            directory: DataDirectory(settings.dataDirectory).seen, windowMillis: windowMillis, nowMillis: now,
            integrity: integrity)
        let cluster = try await ClusterMode.start(settings: settings, metrics: metrics, logger: logger)
        self.cluster = cluster
        var configuration = GroupCommitWriter.Configuration(dataDirectory: settings.dataDirectory)
        configuration.segmentBytes = settings.segmentBytes
        configuration.maxSpoolBytes = settings.spoolMaxBytes
        configuration.integrity = integrity
        self.writer = try GroupCommitWriter(
            configuration: configuration, sinks: routes.routes.map(\.name), dedupe: dedupe, claims: cluster?.store,
            fingerprint: { key in
                let k = DedupeKey(key); return SeenKey(high: k.high, low: k.low)
            })
        if !writer.acceptedElsewhere.isEmpty {
            logger.warning(
                "recovery found events whose claim a crash cut short and another instance accepted; skipping them",
                metadata: ["relay.events": "\(writer.acceptedElsewhere.count)"])
        }
        if writer.interruptedEvents > 0 {
            logger.warning(
                "recovery found events a crash left in only some of their spools; never acknowledged, not seen",
                metadata: ["relay.events": "\(writer.interruptedEvents)"])
        }
        logger.info(
            "spools recovered",
            metadata: ["relay.sinks": "\(writer.recovery.count)", "relay.seen": "\(dedupe.count)"])
        self.pipeline = AcceptPipeline(
            verifier: SignatureVerifier(
                secrets: secrets, toleranceSeconds: (settings.timestampTolerance.wholeMilliseconds + 999) / 1000),
            routes: routes, writer: writer, metrics: metrics, logger: logger)
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, eventLoopThreads))
        self.dispatcher = CurlDispatcher()
        self.fleet = SinkFleet(
            writer: writer, dispatcher: dispatcher, sinks: SinkRegistry.standard, dataDirectory: settings.dataDirectory,
            logger: logger, observer: DeliveryMetrics(registry: metrics.registry))
        let fleet = self.fleet
        writer.onCommit { sinks in fleet.wake(sinks) }
        _ = try await fleet.apply(routes)
        state.withLock { $0.routeWarnings = routeWarnings }
        let enabled = routes.enabled.count
        metrics.routes(enabled: enabled, disabled: routes.routes.count - enabled)
    }

    /// The bound ingress address, once started.
    package var ingressAddress: SocketAddress? { listeners.withLock { $0.ingress?.localAddress } }
    /// The bound admin address, once started.
    package var adminAddress: SocketAddress? { listeners.withLock { $0.admin?.localAddress } }

    /// Binds the ingress and admin listeners, and traps SIGHUP for reloads.
    package func start() async throws {
        // Trap SIGHUP before the relay says it is listening, so a reload can never kill it.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        state.withLock { $0.hangups = hangups }
        blockingPool.start()
        cluster?.startMaintenance()
        let webhook = WebhookHandler.Configuration(
            path: settings.path, maxBodyBytes: settings.maxBodyBytes,
            requestTimeout: .nanoseconds(settings.requestTimeout.wholeNanoseconds),
            headerTimeout: .nanoseconds(settings.headerTimeout.wholeNanoseconds))
        let budget = self.budget
        let idle = TimeAmount.nanoseconds(settings.idleTimeout.wholeNanoseconds)
        let pipeline = self.pipeline
        let metrics = self.metrics
        let logger = self.logger
        let tls = self.tls
        var addTLS: (@Sendable (ChannelPipeline.SynchronousOperations) throws -> Void)?
        if let tls {
            addTLS = { sync in try sync.addHandler(NIOSSLServerHandler(context: tls.current)) }
        }
        let ingress = try await HTTPListener.bind(
            name: "ingress", host: settings.listen.host, port: settings.listen.port, group: group, idleTimeout: idle,
            pipeliningAssistance: false,
            limiter: ConnectionLimiter(limit: settings.maxConnections, perPeer: settings.maxConnectionsPerPeer),
            onRejected: { metrics.connectionRejected($0) },
            onOpenChange: { metrics.openConnections.set($0) },
            addTLS: addTLS,
            addHandlers: { sync in
                try sync.addHandler(
                    WebhookHandler(
                        configuration: webhook, pipeline: pipeline, budget: budget, metrics: metrics, logger: logger))
            })
        let admin: HTTPListener
        do {
            let api = AdminAPI(relay: self)
            admin = try await HTTPListener.bind(
                name: "admin", host: settings.adminListen.host, port: settings.adminListen.port, group: group,
                idleTimeout: idle, pipeliningAssistance: true, limiter: ConnectionLimiter(limit: 64),
                onRejected: { _ in },
                onOpenChange: { _ in }, addTLS: nil,
                addHandlers: { sync in
                    try sync.addHandler(
                        AdminHandler(
                            api: api, headerTimeout: webhook.headerTimeout, requestTimeout: webhook.requestTimeout))
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
                "relay.tls": "\(tls != nil)",
            ])
    }

    /// Serves until graceful shutdown (SIGTERM/SIGINT under a `ServiceGroup`), reloading on
    /// SIGHUP and route-file changes meanwhile; then stops within `shutdown_timeout`.
    package func run() async throws {
        if ingressAddress == nil { try await start() }
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await self.maintain() }
            // Returns on graceful shutdown (or throws on cancellation); either way, stop cleanly.
            try? await gracefulShutdown()
            tasks.cancelAll()
        }
        guard await stop(within: settings.shutdownTimeout) else {
            throw ShutdownTimedOut(limit: settings.shutdownTimeout)
        }
    }

    /// Shutting down took longer than allowed; the process exits without waiting further.
    package struct ShutdownTimedOut: Error, CustomStringConvertible {
        package var limit: Duration
        package var description: String { "graceful shutdown did not finish within \(limit)" }
    }

    /// ``stop()``, bounded: false if `limit` passed first (the stop goes on in the background;
    /// nothing acknowledged is at risk, only acknowledgements of deliveries may be redone).
    package func stop(within limit: Duration) async -> Bool {
        let finished = ExitSignal()
        let completed = Mutex(false)
        Task {
            await self.stop()
            completed.withLock { $0 = true }
            finished.signal()
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            finished.signal()
        }
        await finished.wait()
        timer.cancel()
        let done = completed.withLock { $0 }
        if !done {
            logger.error("graceful shutdown timed out; exiting anyway", metadata: ["relay.limit": "\(limit)"])
        }
        return done
    }

    /// Readiness goes 503, the ingress stops accepting, queued commits finish and answer, the
    /// workers stop between attempts (acknowledgements flushed), the dispatcher stops.
    package func stop() async {
        state.withLock { $0.shuttingDown = true }
        if settings.shutdownDelay > .zero {
            logger.info(
                "shutting down: readiness is 503; the ingress keeps accepting for the shutdown delay",
                metadata: ["relay.delay": "\(settings.shutdownDelay)"])
            try? await Task.sleep(for: settings.shutdownDelay)
        }
        logger.info("shutting down: no longer accepting; finishing in-flight commits")
        let (ingress, admin) = listeners.withLock { $0 }
        await ingress?.close()
        await writer.close()
        // What the workers had not delivered stays in the spools for the next start.
        await fleet.stopAll()
        await dispatcher.stop()
        await cluster?.stop()
        // Let answers produced by the final commits reach their sockets.
        try? await Task.sleep(for: .milliseconds(50))
        await admin?.close()
        try? await blockingPool.shutdownGracefully()
        try? await group.shutdownGracefully()
        logger.info("relay stopped")
    }

    /// Readiness: not shutting down, the spools are writable and the last commit succeeded.
    package func readiness() -> Readiness {
        var problems: [String] = []
        let (warnings, reloadError, shuttingDown) = state.withLock {
            ($0.routeWarnings, $0.lastReloadError, $0.shuttingDown)
        }
        if shuttingDown { problems.append("shutting down") }
        if let problem = cluster?.problem { problems.append(problem) }
        if let error = writer.lastError { problems.append("spool: last commit failed: \(error)") }
        for directory in [DataDirectory(settings.dataDirectory).spools, DataDirectory(settings.dataDirectory).seen]
        where !SpoolFiles.isWritableDirectory(directory) {
            problems.append("spool: \(directory) is not writable")
        }
        var allWarnings = warnings
        if let reloadError {
            allWarnings.append("last route reload failed, previous routes still in force: \(reloadError)")
        }
        let damage = integrity.recentDamage
        if !damage.isEmpty {
            let total = integrity.damageCount
            allWarnings += damage.map { "storage: \($0)" }
            if total > damage.count {
                allWarnings.append("storage: \(total - damage.count) earlier finding(s) in the log")
            }
        }
        return Readiness(problems: problems, warnings: allWarnings)
    }

    /// The metrics text, with the spool and readiness gauges refreshed.
    package func metricsExposition() -> [UInt8] {
        metrics.readiness(readiness().isReady)
        metrics.bufferedBodyBytes.set(budget.inUse)
        for (sink, stats) in writer.statistics() {
            metrics.spool(sink: sink, bytes: stats.bytes, segments: stats.segments)
        }
        return metrics.exposition()
    }

    private static func describe(_ address: SocketAddress) -> String {
        "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
    }
}
