import Backfill
import CoreMetrics
import Metrics
import Prometheus

/// The backfill's metrics (`moda_relay_backfill_…`), in the relay's registry:
///
/// - `backfill_enabled`: 1 when a Moda API key is configured;
/// - `backfill_runs_total{outcome}`: `ok`, `failed`, `unauthorized`;
/// - `backfill_failed_deliveries_found_total`: failed deliveries to our URL that runs found
///   (a delivery is counted by every run that sees it);
/// - `backfill_redeliveries_requested_total`, `backfill_redelivery_requests_failed_total`;
/// - `backfill_stale_redeliveries_accepted_total`: requests admitted by the stale-timestamp rule;
/// - `backfill_last_success_timestamp_seconds`: when the last good run started (0: none yet).
package final class BackfillMetrics: BackfillObserver {
    private let enabled: Metrics.Meter
    private let runs: [String: Metrics.Counter]
    private let found: Metrics.Counter
    private let requested: Metrics.Counter
    private let requestsFailed: Metrics.Counter
    private let staleAccepted: Metrics.Counter
    private let lastSuccess: Metrics.Meter

    init(registry: PrometheusCollectorRegistry, factory: PrometheusMetricsFactory) {
        func gauge(_ name: String, _ unit: String, _ help: String) -> Metrics.Meter {
            let descriptor = RelayMetrics.descriptor(name, unit, help)
            return Metrics.Meter(
                label: descriptor.name, dimensions: [], handler: registry.makeGauge(descriptor: descriptor),
                factory: factory)
        }
        enabled = gauge(
            "backfill_enabled", "", "1 when backfill from Moda's delivery log is configured (a Moda API key).")
        lastSuccess = gauge(
            "backfill_last_success_timestamp", "seconds",
            "When the last backfill run that succeeded started (0: none yet).")
        var runs: [String: Metrics.Counter] = [:]
        for outcome in ["ok", "failed", "unauthorized"] {
            runs[outcome] = RelayMetrics.counter(
                registry, factory, "backfill_runs", "Backfill runs, by outcome.", labels: [("outcome", outcome)])
        }
        self.runs = runs
        found = RelayMetrics.counter(
            registry, factory, "backfill_failed_deliveries_found",
            "Failed deliveries to callback_url found in Moda's log, per run that saw them.")
        requested = RelayMetrics.counter(
            registry, factory, "backfill_redeliveries_requested", "Redeliveries asked of Moda (each delivery once).")
        requestsFailed = RelayMetrics.counter(
            registry, factory, "backfill_redelivery_requests_failed", "Redelivery requests Moda did not accept.")
        staleAccepted = RelayMetrics.counter(
            registry, factory, "backfill_stale_redeliveries_accepted",
            "Requests with a stale timestamp admitted as a redelivery the relay asked for.")
    }

    /// Says whether backfill is configured.
    package func setEnabled(_ isEnabled: Bool) { enabled.set(isEnabled ? 1 : 0) }

    package func ran(outcome: String, found: Int, requested: Int, failedRequests: Int, atMillis: Int64) {
        runs[outcome]?.increment()
        self.found.increment(by: found)
        self.requested.increment(by: requested)
        requestsFailed.increment(by: failedRequests)
        if outcome == "ok" { lastSuccess.set(Double(atMillis) / 1000) }
    }

    package func staleRedeliveryAccepted() { staleAccepted.increment() }
}
