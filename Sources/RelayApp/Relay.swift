import Admin
import Backfill
import ClusterStore
import CoreMetrics
import Ingress
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
import Telemetry
import UnixSignals

/// The composition root: one relay built from its settings, with the spool writer (recovered
/// here), the accept pipeline, the sink workers, cluster mode's store and the listeners' wiring.
/// `serve` and the tests build it the same way, then run its ``services`` in a `ServiceGroup`,
/// which owns start and shutdown order.
package final class Relay: Sendable {
    package let settings: RelaySettings
    package let metrics: RelayMetrics
    package let writer: GroupCommitWriter
    package let pipeline: AcceptPipeline
    /// The routes in force, their warnings and the last reload's error.
    package let routes: RouteState
    /// The delivery workers, by route name.
    package let fleet: SinkFleet
    /// Torn tails, corrupt ranges and lost records found in the data directory.
    package let integrity = SpoolIntegrity()
    /// Request-body bytes the ingress holds in memory, across connections (`max_buffered_bytes`).
    let budget: BodyBudget
    /// The ingress certificate, when it speaks HTTPS.
    package let tls: TLSCredentials?
    package let adminToken: [UInt8]?
    package let logger: Logger
    let environment: [String: String]
    /// Cluster mode's shared claim store and its maintenance loop; nil when local only.
    package let cluster: ClusterMode?
    /// The automatic backfill from Moda's delivery log; nil without a Moda API key.
    package let backfill: BackfillReconciler?
    let dispatcher: CurlDispatcher
    let eventLoops: MultiThreadedEventLoopGroup
    /// Admin work that reads or syncs files (dead letters, replays): never on an event loop or
    /// the cooperative pool.
    let blockingPool = NIOThreadPool(numberOfThreads: 2)
    let state = Mutex(RuntimeState())
    let listeners = Mutex<(ingress: HTTPListener?, admin: HTTPListener?)>((nil, nil))
    /// Opens when the admin listener is bound (or failed to bind).
    let adminBound = StartupGate()
    /// Opens when both listeners are bound and "relay listening" is logged (or binding failed).
    package let listening: StartupGate
    /// SIGHUP, trapped from the start so a reload can never kill the relay.
    let hangups: UnixSignalsSequence

    /// What changes while the relay runs.
    struct RuntimeState {
        var shuttingDown = false
    }

    /// Opens the data directory (recovering every spool), connects cluster mode's store, starts a
    /// worker per enabled route, and prepares the listeners (bound when the services run).
    /// `environment` expands `${VAR}` when routes are reloaded. `modaAPIKey` turns the backfill on.
    package init(
        settings: RelaySettings, secrets: [String], routes: RouteTable, routeWarnings: [String] = [], logger: Logger,
        metrics: RelayMetrics = RelayMetrics(), eventLoopThreads: Int = System.coreCount, tls: TLSCredentials? = nil,
        adminToken: String? = nil, environment: [String: String] = [:],
        fileSystem: any FileSystem = PosixFileSystem.shared, modaAPIKey: String? = nil
    ) async throws {
        self.settings = settings
        self.metrics = metrics
        self.budget = BodyBudget(limit: settings.maxBufferedBytes, perPeer: settings.maxBufferedBytesPerPeer)
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
            integrity: integrity, fileSystem: fileSystem)
        let cluster = try await ClusterMode.start(settings: settings, metrics: metrics, logger: logger)
        self.cluster = cluster
        var configuration = GroupCommitWriter.Configuration(dataDirectory: settings.dataDirectory)
        configuration.segmentBytes = settings.segmentBytes
        configuration.maxSpoolBytes = settings.spoolMaxBytes
        configuration.integrity = integrity
        configuration.fileSystem = fileSystem
        self.writer = try GroupCommitWriter(
            configuration: configuration, sinks: routes.routes.map(\.name), dedupe: dedupe, claims: cluster?.store)
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
        let routeState = RouteState(table: routes, warnings: routeWarnings)
        self.routes = routeState
        let listening = StartupGate()
        self.listening = listening
        self.backfill = Self.makeBackfill(
            settings: settings, key: modaAPIKey, metrics: metrics.backfill, logger: logger, listening: listening,
            cluster: cluster)
        self.pipeline = AcceptPipeline(
            verifier: SignatureVerifier(
                secrets: secrets, toleranceSeconds: (settings.timestampTolerance.wholeMilliseconds + 999) / 1000),
            routes: routeState, store: writer, metrics: metrics, logger: logger, staleRedeliveries: backfill?.stale)
        self.eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: max(1, eventLoopThreads))
        self.dispatcher = CurlDispatcher()
        self.fleet = SinkFleet(
            store: SpoolDeliveryStore(writer: writer), dispatcher: dispatcher, sinks: SinkRegistry.standard,
            logger: logger, observer: DeliveryMetrics(registry: metrics.registry))
        let fleet = self.fleet
        writer.onCommit { sinks in fleet.wake(sinks) }
        _ = try await fleet.apply(routes)
        let enabled = routes.enabled.count
        metrics.routes(enabled: enabled, disabled: routes.routes.count - enabled)
        hangups = await UnixSignalsSequence(trapping: .sighup)
        blockingPool.start()
    }

    /// The bound ingress address, once started.
    package var ingressAddress: SocketAddress? { listeners.withLock { $0.ingress?.localAddress } }
    /// The bound admin address, once started.
    package var adminAddress: SocketAddress? { listeners.withLock { $0.admin?.localAddress } }

    /// The webhook handler's limits, from the settings.
    var webhookConfiguration: WebhookHandler.Configuration {
        WebhookHandler.Configuration(
            path: settings.path, maxBodyBytes: settings.maxBodyBytes,
            requestTimeout: .nanoseconds(settings.requestTimeout.wholeNanoseconds),
            headerTimeout: .nanoseconds(settings.headerTimeout.wholeNanoseconds),
            commitTimeout: .nanoseconds(settings.commitTimeout.wholeNanoseconds), idleTimeout: idleTimeout)
    }

    /// How long an idle connection stays open, on either listener.
    var idleTimeout: TimeAmount { .nanoseconds(settings.idleTimeout.wholeNanoseconds) }

    /// The metrics text, with the spool and readiness gauges refreshed.
    package func metricsExposition() -> [UInt8] {
        metrics.readiness(readiness().isReady)
        metrics.bufferedBodyBytes.set(budget.inUse)
        metrics.commitRunning.set((writer.busyFor ?? .zero).secondsValue)
        let full = writer.fullSpools
        for (sink, stats) in writer.statistics() {
            metrics.spool(sink: sink, bytes: stats.bytes, segments: stats.segments, full: full[sink] != nil)
        }
        return metrics.exposition()
    }

    /// The backfill reconciler, when a key and a callback URL are configured.
    /// In cluster mode its ledger is the shared store's, so one instance reconciles at a time.
    private static func makeBackfill(
        settings: RelaySettings, key: String?, metrics: BackfillMetrics, logger: Logger, listening: StartupGate,
        cluster: ClusterMode?
    ) -> BackfillReconciler? {
        metrics.setEnabled(key != nil)
        guard let key, !settings.backfill.callbackURLs.isEmpty else { return nil }
        let configuration = BackfillReconciler.Configuration(
            apiURL: settings.backfill.apiURL, apiKey: key, callbackURLs: settings.backfill.callbackURLs,
            interval: settings.backfill.interval, lookback: settings.backfill.lookback,
            dataDirectory: settings.dataDirectory)
        let ledger = cluster.map {
            PostgresBackfillLedger(configuration: $0.store.configuration, logger: logger) as any BackfillLedgerStore
        }
        return BackfillReconciler(
            configuration: configuration, ledger: ledger, observer: metrics, logger: logger,
            ready: { try? await listening.wait() })
    }

    static func describe(_ address: SocketAddress) -> String {
        "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
    }

    /// Where the browser console is, for the start-up log line (the admin listener is plain HTTP).
    static func consoleURL(_ address: SocketAddress) -> String {
        let host = address.ipAddress ?? "127.0.0.1"
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(address.port ?? 0)/ui"
    }
}
