import CoreMetrics
import Metrics
import Prometheus
import Synchronization

/// Every metric the relay exports, named `moda_relay_…`, registered once per relay instance.
///
/// Metrics are swift-metrics values (`Counter`, `Meter`, `Timer`) backed by a
/// swift-prometheus registry owned by the instance, so tests can run several relays in one
/// process and every family carries HELP text. Labels are bounded: outcomes, sink names, and
/// at most ``maxUnknownTypeLabels`` unknown event types — never an event id or URL.
package final class RelayMetrics: Sendable {
    /// Ingress outcomes, the `outcome` label of `moda_relay_ingress_requests_total`.
    package enum Outcome: String, CaseIterable, Sendable {
        case accepted, duplicate
        case missingHeader = "missing_header"
        case invalidHeader = "invalid_header"
        case staleTimestamp = "stale_timestamp"
        case badSignature = "bad_signature"
        case invalidJSON = "invalid_json"
        case unrecognisedEnvelope = "unrecognised_envelope"
        case tooLarge = "too_large"
        case malformedRequest = "malformed_request"
        case methodNotAllowed = "method_not_allowed"
        case notFound = "not_found"
        case requestTimeout = "request_timeout"
        case headerTimeout = "header_timeout"
        case expectationFailed = "expectation_failed"
        case overloaded
        case unavailable
        case commitTimeout = "commit_timeout"
        case evicted
    }

    package static let maxUnknownTypeLabels = 32

    package let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let outcomes: [Outcome: Metrics.Counter]
    package let ackLatency: Metrics.Timer
    package let dedupeHits: Metrics.Counter
    /// The backfill's runs and the stale redeliveries it let in.
    package let backfill: BackfillMetrics
    /// Cluster mode: duplicates the shared store decided (another instance had accepted the event).
    package let storeDuplicates: Metrics.Counter
    package let unrouted: Metrics.Counter
    private let connectionsRejected: [ConnectionRefusal: Metrics.Counter]
    package let openConnections: Metrics.Meter
    /// Request-body bytes held in memory now (refreshed at each scrape).
    package let bufferedBodyBytes: Metrics.Meter
    /// Seconds the spool writer's current batch has run (0 between batches; refreshed at each scrape).
    package let commitRunning: Metrics.Meter
    private let perSink = Mutex<[String: SinkMeters]>([:])

    private typealias SinkMeters = (
        spooled: Metrics.Counter, bytes: Metrics.Meter, segments: Metrics.Meter, full: Metrics.Meter
    )
    private let unknownTypes = Mutex<[String: Metrics.Counter]>([:])
    private let commitFailures: CounterFamily
    private let routeStates: [String: Metrics.Meter]
    private let routeReloads: [Bool: Metrics.Counter]
    private let routeReloadSuccessful: Metrics.Meter
    private let ready: Metrics.Meter
    private let tlsReloads: [Bool: Metrics.Counter]
    private let adminRequests: CounterFamily
    private let storageFindings: CounterFamily

    package init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
        let requests = Self.descriptor(
            "ingress_requests", "total", "Webhook requests answered by the ingress, by outcome.")
        var outcomes: [Outcome: Metrics.Counter] = [:]
        for outcome in Outcome.allCases {
            let labels = [("outcome", outcome.rawValue)]
            outcomes[outcome] = Metrics.Counter(
                label: requests.name, dimensions: labels,
                handler: registry.makeCounter(descriptor: requests, labels: labels), factory: factory)
        }
        self.outcomes = outcomes
        let ack = Self.descriptor(
            "ingress_ack_duration", "seconds",
            "Time from the request head to the answer, for accepted and duplicate events.")
        let buckets: [Duration] = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(5), .seconds(10), .seconds(30),
        ]
        self.ackLatency = Metrics.Timer(
            label: ack.name, dimensions: [], handler: registry.makeDurationHistogram(descriptor: ack, buckets: buckets),
            factory: factory)
        self.backfill = BackfillMetrics(registry: registry, factory: factory)
        self.dedupeHits = Self.counter(
            registry, factory, "dedupe_hits", "Retries answered as duplicates of an event already durable.")
        self.storeDuplicates = Self.counter(
            registry, factory, "store_duplicates",
            "Cluster mode: events answered duplicate because another instance had accepted them (also in dedupe_hits).")
        self.unrouted = Self.counter(
            registry, factory, "events_unrouted", "Accepted events that matched no enabled route.")
        var rejected: [ConnectionRefusal: Metrics.Counter] = [:]
        for reason in [ConnectionRefusal.total, .perPeer] {
            rejected[reason] = Self.counter(
                registry, factory, "ingress_connections_rejected",
                "Connections closed at once because a connection cap was reached, by cap.",
                labels: [("reason", reason.rawValue)])
        }
        self.connectionsRejected = rejected
        let open = Self.descriptor("ingress_open_connections", "", "Ingress connections open now.")
        self.openConnections = Metrics.Meter(
            label: open.name, dimensions: [], handler: registry.makeGauge(descriptor: open), factory: factory)
        let buffered = Self.descriptor(
            "ingress_buffered_body", "bytes", "Request-body bytes held in memory now, across connections.")
        self.bufferedBodyBytes = Metrics.Meter(
            label: buffered.name, dimensions: [], handler: registry.makeGauge(descriptor: buffered), factory: factory)
        let running = Self.descriptor(
            "spool_commit_running", "seconds",
            "How long the spool writer's current batch has run; 0 between batches. Past commit_timeout: a stuck disk.")
        self.commitRunning = Metrics.Meter(
            label: running.name, dimensions: [], handler: registry.makeGauge(descriptor: running), factory: factory)
        let routes = Self.descriptor("routes", "", "Loaded routes by state (enabled or disabled).")
        var routeStates: [String: Metrics.Meter] = [:]
        for state in ["enabled", "disabled"] {
            routeStates[state] = Metrics.Meter(
                label: routes.name, dimensions: [("state", state)],
                handler: registry.makeGauge(descriptor: routes, labels: [("state", state)]), factory: factory)
        }
        self.routeStates = routeStates
        var routeReloads: [Bool: Metrics.Counter] = [:]
        var tlsReloads: [Bool: Metrics.Counter] = [:]
        for success in [true, false] {
            let result = [("result", success ? "success" : "error")]
            routeReloads[success] = Self.counter(
                registry, factory, "routes_reload", "Route reloads (SIGHUP or file change) by result.", labels: result)
            tlsReloads[success] = Self.counter(
                registry, factory, "tls_reload", "TLS certificate reloads (SIGHUP) by result.", labels: result)
        }
        self.routeReloads = routeReloads
        self.tlsReloads = tlsReloads
        let successful = Self.descriptor(
            "routes_last_reload_successful", "", "1 if the last route reload was applied, 0 if it was rejected.")
        self.routeReloadSuccessful = Metrics.Meter(
            label: successful.name, dimensions: [], handler: registry.makeGauge(descriptor: successful),
            factory: factory)
        routeReloadSuccessful.set(1)
        let ready = Self.descriptor("ready", "", "1 while /readyz answers 200, 0 while it answers 503.")
        self.commitFailures = CounterFamily(
            registry: registry, factory: factory, name: "spool_commit_failures",
            help: "Events whose durable commit failed, by error code.")
        self.adminRequests = CounterFamily(
            registry: registry, factory: factory, name: "admin_requests",
            help: "Admin listener requests by endpoint and status code.")
        self.storageFindings = CounterFamily(
            registry: registry, factory: factory, name: "storage_findings",
            help: "Damage found in the data directory: torn tails truncated, corrupt ranges skipped, records lost.")
        self.ready = Metrics.Meter(
            label: ready.name, dimensions: [], handler: registry.makeGauge(descriptor: ready), factory: factory)
        // Every series from the start, so `increase()` in an alert sees the first finding.
        for file in ["segment", "acks", "seen log", "dead letters"] {
            for kind in ["torn_tail", "corrupt", "lost_records"] { storageFinding(file: file, kind: kind, count: 0) }
        }
    }

    /// Sets the readiness gauge (refreshed at each scrape).
    package func readiness(_ isReady: Bool) { ready.set(isReady ? 1 : 0) }

    /// The descriptor of `moda_relay_<name>_<unit>`.
    static func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "moda", subsystem: "relay", metricName: name, unitName: unit, helpText: help)
    }

    /// A counter `moda_relay_<name>_total` with `labels`, registered in `registry`.
    static func counter(
        _ registry: PrometheusCollectorRegistry, _ factory: PrometheusMetricsFactory, _ name: String, _ help: String,
        labels: [(String, String)] = []
    ) -> Metrics.Counter {
        let descriptor = descriptor(name, "total", help)
        return Metrics.Counter(
            label: descriptor.name, dimensions: labels,
            handler: registry.makeCounter(descriptor: descriptor, labels: labels), factory: factory)
    }

    /// Counts a connection closed at accept because of `reason`.
    package func connectionRejected(_ reason: ConnectionRefusal) { connectionsRejected[reason]!.increment() }

    /// Counts one answered request.
    package func record(_ outcome: Outcome) { outcomes[outcome]!.increment() }

    /// Counts an event spooled for `sink`.
    package func spooled(sink: String) { sinkMetrics(sink).spooled.increment() }

    /// Updates the spool gauges of `sink`; `full`: its spool refuses events for its cap.
    package func spool(sink: String, bytes: Int, segments: Int, full: Bool = false) {
        let metrics = sinkMetrics(sink)
        metrics.bytes.set(bytes)
        metrics.segments.set(segments)
        metrics.full.set(full ? 1 : 0)
    }

    /// Sets the routes gauges.
    package func routes(enabled: Int, disabled: Int) {
        routeStates["enabled"]!.set(enabled)
        routeStates["disabled"]!.set(disabled)
    }

    /// Counts a route reload.
    package func routeReload(success: Bool) {
        routeReloads[success]!.increment()
        routeReloadSuccessful.set(success ? 1 : 0)
    }

    /// Counts a TLS reload.
    package func tlsReload(success: Bool) { tlsReloads[success]!.increment() }

    /// Counts an admin request by endpoint (a fixed set) and status code.
    package func adminRequest(endpoint: String, status: Int) {
        adminRequests.counter([("endpoint", endpoint), ("code", String(status))]).increment()
    }

    /// Counts damage found in the data directory: `file` is `segment`, `acks`, `seen log` or
    /// `dead letters` (written with `_`), `kind` is `torn_tail`, `corrupt` or `lost_records`.
    package func storageFinding(file: String, kind: String, count: Int64 = 1) {
        let label = String(file.map { $0 == " " ? "_" : $0 })
        let counter = storageFindings.counter([("file", label), ("kind", kind)])
        if count > 0 { counter.increment(by: count) }
    }

    /// Counts a batch that failed to commit, by spool error code.
    package func commitFailed(code: String) {
        commitFailures.counter([("code", code)]).increment()
    }

    /// Counts an event whose type is outside the documented set. Types beyond the first
    /// ``maxUnknownTypeLabels`` distinct ones, or with unusual characters, count as `other`.
    package func unknownType(_ type: String) {
        let valid =
            type.count <= 64 && type.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        let counter = unknownTypes.withLock { counters in
            var label = valid ? type : "other"
            if counters[label] == nil, counters.count >= Self.maxUnknownTypeLabels { label = "other" }
            if let counter = counters[label] { return counter }
            let counter = Self.counter(
                registry, factory, "unknown_event_types",
                "Authentic events whose type is outside Moda's documented set.",
                labels: [("type", label)])
            counters[label] = counter
            return counter
        }
        counter.increment()
    }

    private func sinkMetrics(_ sink: String) -> SinkMeters {
        perSink.withLock { sinks in
            if let existing = sinks[sink] { return existing }
            let labels = [("sink", sink)]
            let bytes = Self.descriptor("spool", "bytes", "Bytes in the sink's spool segments.")
            let segments = Self.descriptor("spool_segments", "", "Segment files in the sink's spool.")
            let full = Self.descriptor(
                "spool_full", "", "1 while the sink's spool is at spool_max_bytes and events routed to it get 503.")
            let created: SinkMeters = (
                spooled: Self.counter(
                    registry, factory, "events_spooled", "Events durably spooled for the sink.", labels: labels),
                bytes: Metrics.Meter(
                    label: bytes.name, dimensions: labels,
                    handler: registry.makeGauge(descriptor: bytes, labels: labels),
                    factory: factory),
                segments: Metrics.Meter(
                    label: segments.name, dimensions: labels,
                    handler: registry.makeGauge(descriptor: segments, labels: labels), factory: factory),
                full: Metrics.Meter(
                    label: full.name, dimensions: labels, handler: registry.makeGauge(descriptor: full, labels: labels),
                    factory: factory)
            )
            sinks[sink] = created
            return created
        }
    }

    /// The Prometheus text exposition of every metric.
    package func exposition() -> [UInt8] { registry.emitToBuffer() }
}
