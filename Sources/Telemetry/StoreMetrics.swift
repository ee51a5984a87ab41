import ClusterStore
import CoreMetrics
import Metrics
import Prometheus
import Synchronization

/// Cluster mode's metrics (`moda_relay_store_…`), in the relay's registry.
package final class StoreMetrics: ClaimStoreObserver {
    private let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let latency = Mutex<[String: Metrics.Timer]>([:])
    private let errors: CounterFamily
    private let waited: Metrics.Counter
    private let expiredClaims: Metrics.Counter
    private let up: Metrics.Meter

    package init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
        errors = CounterFamily(
            registry: registry, factory: factory, name: "store_errors",
            help: "Shared claim store failures, by SQLSTATE or connection/timeout.")
        waited = RelayMetrics.counter(
            registry, factory, "store_claims_waited",
            "Claim round trips over 10 ms: they waited for another instance's uncommitted claim of a key.")
        expiredClaims = RelayMetrics.counter(
            registry, factory, "store_claims_expired", "Claims deleted past the dedupe window.")
        let upDescriptor = RelayMetrics.descriptor(
            "store_up", "", "1 while the shared claim store is reachable, 0 while not.")
        up = Metrics.Meter(
            label: upDescriptor.name, dimensions: [], handler: registry.makeGauge(descriptor: upDescriptor),
            factory: factory)
        _ = errorCounter("connection")
        _ = timer("claim")
        _ = timer("commit")
    }

    package func roundTrip(_ operation: String, duration: Duration) {
        timer(operation).recordNanoseconds(Int64(duration / .nanoseconds(1)))
    }

    package func failed(code: String) { errorCounter(code).increment() }
    package func claimWaited() { waited.increment() }
    package func expired(_ count: Int) { expiredClaims.increment(by: count) }
    package func reachable(_ isUp: Bool) { up.set(isUp ? 1 : 0) }

    private func timer(_ operation: String) -> Metrics.Timer {
        latency.withLock { timers in
            if let timer = timers[operation] { return timer }
            let descriptor = RelayMetrics.descriptor(
                "store_round_trip", "seconds", "Round trips to the shared claim store, by operation.")
            let labels = [("operation", operation)]
            let buckets: [Duration] = [
                .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
                .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(100), .milliseconds(500),
                .seconds(1), .seconds(5),
            ]
            let timer = Metrics.Timer(
                label: descriptor.name, dimensions: labels,
                handler: registry.makeDurationHistogram(descriptor: descriptor, labels: labels, buckets: buckets),
                factory: factory)
            timers[operation] = timer
            return timer
        }
    }

    private func errorCounter(_ code: String) -> Metrics.Counter {
        // SQLSTATEs are five characters from a fixed alphabet; anything else folds into "other".
        let label = code.utf8.count <= 10 && code.utf8.allSatisfy { $0 < 0x80 && $0 > 0x20 } ? code : "other"
        return errors.counter([("code", label)])
    }
}
