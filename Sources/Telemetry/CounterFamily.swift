import CoreMetrics
import Metrics
import Prometheus
import Synchronization

/// A counter family whose label values appear while the relay runs: each series is registered
/// in the instance's registry on first use and kept for reuse. Callers keep the label values
/// bounded.
final class CounterFamily: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let name: String
    private let help: String
    private let series = Mutex<[[String]: Metrics.Counter]>([:])

    /// The family `moda_relay_<name>_total`.
    init(registry: PrometheusCollectorRegistry, factory: PrometheusMetricsFactory, name: String, help: String) {
        self.registry = registry
        self.factory = factory
        self.name = name
        self.help = help
    }

    /// The series with `labels` (names and values), registered now if it is new.
    func counter(_ labels: [(String, String)]) -> Metrics.Counter {
        let key = labels.flatMap { [$0.0, $0.1] }
        return series.withLock { series in
            if let counter = series[key] { return counter }
            let counter = RelayMetrics.counter(registry, factory, name, help, labels: labels)
            series[key] = counter
            return counter
        }
    }
}
