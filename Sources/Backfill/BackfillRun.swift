import RelayCore

/// One backfill run: list the failed deliveries in a range, decide for each, and ask Moda to
/// redeliver those that need it, recording each request in the ledger before going on.
package struct BackfillRun: Sendable {
    /// What a run is asked to do.
    package struct Options: Sendable {
        package var sinceMillis: Int64
        /// The end of the range; nil: now.
        package var untilMillis: Int64?
        /// List and decide, but ask Moda for nothing and record nothing.
        package var dryRun = false
        /// Redelivery requests in flight at once.
        package var concurrency = 4
        /// Pause between two pages of a listing.
        package var pagePause: Duration = .milliseconds(100)

        package init(sinceMillis: Int64, untilMillis: Int64? = nil, dryRun: Bool = false) {
            self.sinceMillis = sinceMillis
            self.untilMillis = untilMillis
            self.dryRun = dryRun
        }
    }

    /// What was done for one failed delivery.
    package struct Line: Sendable, Equatable {
        package var row: DeliveryRow
        package var action: BackfillPlanner.Action
        /// For a `.request`: nil when done (or a dry run), else why the request failed.
        package var failure: String?

        /// `requested`, `already recovered`, `skipped: other URL`, … as printed.
        package var outcome: String {
            if let failure { return "failed: \(failure)" }
            return action.label
        }
    }

    /// The whole run: one line per failed delivery, newest first, and the totals.
    package struct Report: Sendable {
        package var lines: [Line] = []
        /// Why the run stopped before its end (nil: it finished).
        package var failure: ModaAPIClient.Failure?
        /// Listing calls made.
        package var pages = 0

        package var found: Int { lines.count }
        package func count(_ label: String) -> Int {
            lines.filter { $0.failure == nil && $0.action.label == label }.count
        }
        package var failedRequests: Int { lines.filter { $0.failure != nil }.count }
    }

    private let client: ModaAPIClient
    private let planner: BackfillPlanner
    private let options: Options
    private let now: @Sendable () -> Int64
    private let requesting: @Sendable (RequestedRedelivery) -> Void

    /// `requesting` hears of each redelivery just before it is requested.
    package init(
        client: ModaAPIClient, planner: BackfillPlanner, options: Options, now: @escaping @Sendable () -> Int64,
        requesting: @escaping @Sendable (RequestedRedelivery) -> Void = { _ in }
    ) {
        self.client = client
        self.planner = planner
        self.options = options
        self.now = now
        self.requesting = requesting
    }

    /// Runs against `ledger` (held exclusively by the caller).
    package func run(ledger: any BackfillLedgerSession) async -> Report {
        var report = Report()
        let lister = DeliveryLister(client: client, pagePause: options.pagePause)
        do {
            let failed = try await lister.all(status: "failed", from: options.sinceMillis, to: options.untilMillis)
            var replays = ReplayIndex()
            replays.addFailed(failed)
            // Replays that recover an event can only be newer than it: list them only when some
            // failed delivery of ours is not in the ledger yet, from the oldest such one.
            let open = failed.filter { planner.isOurs($0.targetURL) && !ledger.isRequested($0.id) }
            if let oldest = open.map(\.createdAtMillis).min() {
                for status in ["pending", "succeeded"] {
                    replays.addLive(try await lister.all(status: status, from: oldest, to: nil))
                }
            }
            report.lines = failed.map { row in
                Line(row: row, action: planner.action(for: row, requested: ledger.isRequested, replays: replays))
            }
        } catch {
            report.failure = error
        }
        report.pages = lister.pages
        guard report.failure == nil, !options.dryRun else { return report }
        (report.lines, report.failure) = await request(report.lines, ledger: ledger)
        return report
    }

    /// Asks for every `.request` line, at most `concurrency` at once, in the listing's order.
    /// Returns the lines with their failures, and the key's refusal if Moda refused it.
    private func request(_ lines: [Line], ledger: any BackfillLedgerSession) async -> ([Line], ModaAPIClient.Failure?) {
        var result = lines
        var refusal: ModaAPIClient.Failure?
        let wanted = lines.indices.filter { lines[$0].action == .request }
        var next = 0
        await withTaskGroup(of: (Int, RequestFailure?).self) { group in
            func start() {
                guard next < wanted.count else { return }
                let index = wanted[next]
                next += 1
                let row = lines[index].row
                group.addTask { (index, await self.requestOne(row, ledger: ledger)) }
            }
            for _ in 0..<max(1, options.concurrency) { start() }
            while let (index, failure) = await group.next() {
                result[index].failure = failure?.description
                if case .api(let error)? = failure, case .api(let api) = error, api.isAuthentication { refusal = error }
                start()
            }
        }
        return (result, refusal)
    }

    private enum RequestFailure: Error, CustomStringConvertible {
        case api(ModaAPIClient.Failure)
        case notRecorded(String)

        var description: String {
            switch self {
            case .api(let failure): return failure.description
            case .notRecorded(let message): return "requested, but not recorded: \(message)"
            }
        }
    }

    /// One redelivery: asked for (retrying a throttled call), then recorded. Nil when done.
    private func requestOne(_ row: DeliveryRow, ledger: any BackfillLedgerSession) async -> RequestFailure? {
        requesting(
            RequestedRedelivery(
                deliveryID: row.id, eventType: row.eventType, createdAtMillis: row.createdAtMillis,
                requestedAtMillis: now()))
        do {
            _ = try await Retrying.call { () async throws(ModaAPIClient.Failure) in try await client.redeliver(row.id) }
        } catch {
            return .api(error)
        }
        do {
            try await ledger.record(
                RequestedRedelivery(
                    deliveryID: row.id, eventType: row.eventType, createdAtMillis: row.createdAtMillis,
                    requestedAtMillis: now()))
            return nil
        } catch {
            return .notRecorded("\(error)")
        }
    }
}
