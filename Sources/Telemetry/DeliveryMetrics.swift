import CoreMetrics
import Metrics
import Prometheus
import RelayCore
import RelayDispatch
import Spool
import Synchronization

/// Delivery metrics, fed by the sink workers (labels: `sink`, and `outcome` for attempts).
///
/// - `moda_relay_delivery_attempts_total{sink,outcome}`: `delivered`, `retry`, `dead`, `paused`
/// - `moda_relay_delivery_duration_seconds{sink}`: one attempt, request to answer
/// - `moda_relay_delivery_end_to_end_seconds{sink}`: acceptance (the 200 to Moda) to delivery
/// - `moda_relay_dead_letters_total{sink}`
/// - `moda_relay_spool_depth{sink}`, `moda_relay_spool_oldest_undelivered_age_seconds{sink}`
/// - `moda_relay_sink_in_flight{sink}`, `moda_relay_sink_circuit_open{sink}` (1 while open or paused)
package final class DeliveryMetrics: DeliveryObserver {
    private struct Sink {
        var attempts: [DeliveryOutcome: Metrics.Counter]
        var duration: Metrics.Timer
        var endToEnd: Metrics.Timer
        var dead: Metrics.Counter
        var depth: Metrics.Meter
        var oldest: Metrics.Meter
        var inFlight: Metrics.Meter
        var circuit: Metrics.Meter
    }

    private let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let sinks = Mutex<[String: Sink]>([:])
    private static let buckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5), .seconds(30),
        .seconds(60), .seconds(300), .seconds(3600),
    ]

    package init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
    }

    package func attempted(sink: String, outcome: DeliveryOutcome, latency: Duration) {
        let metrics = self.metrics(sink)
        metrics.attempts[outcome]?.increment()
        metrics.duration.record(duration: latency)
    }

    package func delivered(sink: String, endToEnd: Duration) {
        metrics(sink).endToEnd.record(duration: endToEnd)
    }

    package func deadLettered(sink: String) {
        metrics(sink).dead.increment()
    }

    package func state(sink: String, status: SinkWorker.Status) {
        let metrics = self.metrics(sink)
        metrics.depth.set(status.depth)
        metrics.inFlight.set(status.inFlight)
        metrics.circuit.set(status.paused == nil && !status.circuitOpen ? 0 : 1)
        let age = status.oldestAcceptedAtMillis.map { Double(max(0, WallClock.nowMillis() - $0)) / 1000 } ?? 0
        metrics.oldest.set(age)
    }

    private func metrics(_ sink: String) -> Sink {
        sinks.withLock { sinks in
            if let existing = sinks[sink] { return existing }
            let created = make(sink)
            sinks[sink] = created
            return created
        }
    }

    private func make(_ sink: String) -> Sink {
        let labels = [("sink", sink)]
        func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "moda", subsystem: "relay", metricName: name, unitName: unit, helpText: help)
        }
        func meter(_ name: String, _ unit: String, _ help: String) -> Metrics.Meter {
            let d = descriptor(name, unit, help)
            return Metrics.Meter(
                label: d.name, dimensions: labels, handler: registry.makeGauge(descriptor: d, labels: labels),
                factory: factory)
        }
        func timer(_ name: String, _ help: String) -> Metrics.Timer {
            let d = descriptor(name, "seconds", help)
            return Metrics.Timer(
                label: d.name, dimensions: labels,
                handler: registry.makeDurationHistogram(descriptor: d, labels: labels, buckets: Self.buckets),
                factory: factory)
        }
        let attemptsDescriptor = descriptor("delivery_attempts", "total", "Delivery attempts by sink and outcome.")
        var attempts: [DeliveryOutcome: Metrics.Counter] = [:]
        for outcome in DeliveryOutcome.allCases {
            let withOutcome = labels + [("outcome", outcome.rawValue)]
            attempts[outcome] = Metrics.Counter(
                label: attemptsDescriptor.name, dimensions: withOutcome,
                handler: registry.makeCounter(descriptor: attemptsDescriptor, labels: withOutcome), factory: factory)
        }
        let deadDescriptor = descriptor("dead_letters", "total", "Events the sink gave up on (dead letters).")
        return Sink(
            attempts: attempts,
            duration: timer("delivery_duration", "One delivery attempt, request to answer."),
            endToEnd: timer("delivery_end_to_end", "From the acknowledgement to Moda to delivery to the sink."),
            dead: Metrics.Counter(
                label: deadDescriptor.name, dimensions: labels,
                handler: registry.makeCounter(descriptor: deadDescriptor, labels: labels), factory: factory),
            depth: meter("spool_depth", "", "Records in the sink's spool not yet delivered or dead."),
            oldest: meter("spool_oldest_undelivered_age", "seconds", "Age of the oldest record not yet delivered."),
            inFlight: meter("sink_in_flight", "", "Records the sink's worker holds (sending or waiting to retry)."),
            circuit: meter(
                "sink_circuit_open", "",
                "1 while the sink's circuit is open (repeated failures: only the oldest event is retried) or it is paused (endpoint gone)."
            ))
    }
}
