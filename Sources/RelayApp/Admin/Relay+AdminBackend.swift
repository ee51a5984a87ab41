import Admin
import Backfill
import Ingress
import Logging
import NIOPosix
import RelayConfig
import RelayCore
import RelayDispatch
import Spool
import Telemetry

extension Relay: AdminBackend {
    package var adminHosts: [String] { settings.adminHosts }

    package func countAdminRequest(endpoint: String, status: Int) {
        metrics.adminRequest(endpoint: endpoint, status: status)
    }

    package func sinkReports() -> [SinkReport] {
        SinkReport.all(
            routes: routes.table, fleet: fleet, writer: writer, dataDirectory: DataDirectory(settings.dataDirectory))
    }

    package var storeReport: JSONValue? { cluster?.json }
    package var backfillReport: JSONValue { (backfill?.status ?? BackfillStatus()).json }

    package func recentAttempts(sink: String?) -> [String: [DeliveryAttempt]] {
        guard let sink else { return fleet.all.mapValues(\.recentAttempts) }
        return fleet.worker(sink).map { [sink: $0.recentAttempts] } ?? [:]
    }

    package func activity(sink: String?, nowMillis: Int64) -> [String: AttemptActivity.Series] {
        guard let sink else { return fleet.all.mapValues { $0.activity(nowMillis: nowMillis) } }
        return fleet.worker(sink).map { [sink: $0.activity(nowMillis: nowMillis)] } ?? [:]
    }

    package func deadLetterSinks() -> [String] {
        DataDirectory(settings.dataDirectory).deadLetterSinks()
    }

    package func isRunning(sink: String) -> Bool { fleet.worker(sink) != nil }

    package func deadLetters(sink: String) throws(SpoolError) -> DeadLetterLog {
        try fleet.deadLetters(sink: sink)
    }

    package func replay(_ request: ReplayRequest) throws(ReplayFailure) -> ReplayReport {
        try DeadLetterReplayer(fleet: fleet, logger: logger).replay(
            sink: request.sink, ids: request.ids, sinceMillis: request.since, untilMillis: request.until,
            routes: routes.table)
    }

    package func runBlocking(_ work: @escaping @Sendable (_ active: Bool) -> Void) {
        blockingPool.submit { state in
            guard case .active = state else { return work(false) }
            work(true)
        }
    }
}
