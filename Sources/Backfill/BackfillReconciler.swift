import Logging
import RelayCore
import RelayDispatch
import ServiceLifecycle
import Synchronization

/// The automatic backfill: every `interval` it lists Moda's failed deliveries since its
/// watermark (less an overlap) and asks for each one not yet recovered, through the same
/// ``BackfillRun`` and ledger as `moda-relay backfill`. A run never touches the ingress or
/// readiness; its outcome shows in ``status``, the metrics and the log. Its `run()` is its whole
/// life: the dispatcher it calls Moda with is made and stopped there.
package final class BackfillReconciler: Service, Sendable {
    package struct Configuration: Sendable {
        package var apiURL: String
        package var apiKey: String
        package var callbackURLs: [String]
        /// Zero: no automatic runs (`moda-relay backfill` only); the stale-timestamp rule still
        /// follows the ledger.
        package var interval: Duration
        package var lookback: Duration
        package var dataDirectory: String
        /// How far before the watermark a run starts again: Moda logs a delivery as failed only
        /// after its retries (about 36 s), so one created just before a run may fail after it.
        package var overlap: Duration = .seconds(600)
        /// How often the ledger is looked at for requests made by `moda-relay backfill`.
        package var ledgerPoll: Duration = .seconds(1)

        package init(
            apiURL: String, apiKey: String, callbackURLs: [String], interval: Duration, lookback: Duration,
            dataDirectory: String
        ) {
            self.apiURL = apiURL
            self.apiKey = apiKey
            self.callbackURLs = callbackURLs
            self.interval = interval
            self.lookback = lookback
            self.dataDirectory = dataDirectory
        }
    }

    /// What may arrive with its original timestamp (read by the ingress).
    package let stale = StaleRedeliveries()
    private let configuration: Configuration
    private let ledger: any BackfillLedgerStore
    private let observer: any BackfillObserver
    private let logger: Logger
    private let clock: @Sendable () -> Int64
    private let ready: @Sendable () async -> Void
    private let state: Mutex<BackfillStatus>

    /// `ready` returns once the ingress listens (redeliveries must find it). `ledger`: nil for
    /// the data dir's; cluster mode gives PostgreSQL's.
    package init(
        configuration: Configuration, ledger: (any BackfillLedgerStore)? = nil, observer: any BackfillObserver,
        logger: Logger,
        clock: @escaping @Sendable () -> Int64 = WallClock.nowMillis, ready: @escaping @Sendable () async -> Void
    ) {
        self.configuration = configuration
        self.ledger = ledger ?? BackfillLedger(dataDirectory: configuration.dataDirectory)
        self.observer = observer
        self.logger = logger
        self.clock = clock
        self.ready = ready
        var status = BackfillStatus()
        status.enabled = true
        status.intervalSeconds = configuration.interval > .zero ? configuration.interval.components.seconds : nil
        self.state = Mutex(status)
    }

    package var status: BackfillStatus { state.withLock { $0 } }

    package func run() async throws {
        let dispatcher = CurlDispatcher(lanes: 1)
        let client = ModaAPIClient(baseURL: configuration.apiURL, apiKey: configuration.apiKey, dispatcher: dispatcher)
        try? await cancelWhenGracefulShutdown {
            await self.ready()
            var nextRun = self.configuration.interval > .zero ? ContinuousClock.now : nil
            while !Task.isCancelled {
                if let due = nextRun, ContinuousClock.now >= due {
                    await self.runOnce(client: client)
                    nextRun = ContinuousClock.now + self.configuration.interval
                }
                await self.refreshStale(force: false)
                try await Task.sleep(for: self.configuration.ledgerPoll)
            }
        }
        await dispatcher.stop()
        await ledger.close()
    }

    /// One run, now: what the timer does, and what the tests call.
    @discardableResult
    package func runOnce(client: ModaAPIClient) async -> BackfillRun.Report? {
        let start = clock()
        state.withLock { $0.running = true }
        var report: BackfillRun.Report?
        var ledgerError: String?
        do {
            report = try await ledger.exclusively(nowMillis: start) { ledgerState in
                let since =
                    ledgerState.watermarkMillis.map { $0 - self.configuration.overlap.wholeMilliseconds }
                    ?? start - self.configuration.lookback.wholeMilliseconds
                let run = BackfillRun(
                    client: client, planner: BackfillPlanner(callbackURLs: self.configuration.callbackURLs),
                    options: BackfillRun.Options(sinceMillis: since), now: self.clock,
                    requesting: { self.stale.add($0) })
                let report = await run.run(ledger: ledgerState)
                if report.failure == nil, report.failedRequests == 0 { try await ledgerState.setWatermark(start) }
                let next =
                    ledgerState.watermarkMillis.map { $0 - self.configuration.overlap.wholeMilliseconds } ?? since
                self.state.withLock { $0.watermarkMillis = next }
                return report
            }
        } catch {
            ledgerError = "\(error)"
        }
        await refreshStale(force: true)
        finish(report, ledgerError: ledgerError, at: start)
        return report
    }

    private func finish(_ report: BackfillRun.Report?, ledgerError: String?, at start: Int64) {
        var outcome = "ok"
        var error = ledgerError
        if let failure = report?.failure {
            error = failure.description
            if case .api(let api) = failure, api.isAuthentication {
                outcome = "unauthorized"
            } else {
                outcome = "failed"
            }
        } else if ledgerError != nil || (report?.failedRequests ?? 0) > 0 {
            outcome = "failed"
            error = error ?? report?.lines.lazy.compactMap(\.failure).first
        }
        let found = report?.lines.filter { $0.action != .skippedOtherURL }.count ?? 0
        let requested = report?.count("requested") ?? 0
        let failed = report?.failedRequests ?? 0
        state.withLock { status in
            status.running = false
            status.lastRunAtMillis = start
            if outcome == "ok" { status.lastSuccessAtMillis = start }
            status.lastOutcome = outcome
            status.found = found
            status.requested = requested
            status.failed = failed
            status.lastError = error
        }
        observer.ran(outcome: outcome, found: found, requested: requested, failedRequests: failed, atMillis: start)
        var metadata: Logger.Metadata = [
            "relay.outcome": "\(outcome)", "relay.found": "\(found)", "relay.requested": "\(requested)",
            "relay.failed": "\(failed)", "relay.pages": "\(report?.pages ?? 0)",
        ]
        if let error { metadata["relay.error"] = "\(error)" }
        if outcome == "ok" {
            logger.info("backfill run finished", metadata: metadata)
        } else {
            logger.error("backfill run failed", metadata: metadata)
        }
    }

    private func refreshStale(force: Bool) async {
        do {
            try await stale.refresh(from: ledger, nowMillis: clock(), force: force)
        } catch {
            logger.warning("cannot read the backfill ledger", metadata: ["relay.error": "\(error)"])
        }
    }
}
