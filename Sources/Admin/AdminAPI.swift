import Logging
import RelayCore
import RelayDispatch
import Spool

/// The admin listener's endpoints.
///
/// | endpoint | answer |
/// |---|---|
/// | `GET /healthz`, `GET /readyz`, `GET /metrics` | probes and scrapes; never need the token |
/// | `GET /admin/sinks` | every sink's state, spool and dead letters (``SinkReport``) |
/// | `GET /admin/deliveries?sink=&status=&limit=` | recent attempts, newest first |
/// | `GET /admin/activity?sink=` | attempts per 10 s over the last 10 minutes, by sink (sparklines) |
/// | `GET /admin/dead?sink=&id=&since=&until=&limit=&offset=&body=` | dead letters with reasons and history |
/// | `GET /ui` (and its `/ui/console.js`, `/ui/console.css`) | the browser console (``ConsoleAssets``) |
/// | `POST /admin/dead/replay` `{"sink":…, "ids":[…], "since":…, "until":…}` | re-enqueue dead letters |
///
/// With a token configured, every `/admin/*` call needs `Authorization: Bearer <token>`
/// (compared in constant time); anything else is 401. Every answer is counted in
/// `moda_relay_admin_requests_total{endpoint,code}`; refusals are logged.
///
/// Against a browser on the same host being used to reach it: a `Host` that is a DNS name other
/// than `localhost` or one of `admin_hosts` is refused (403; DNS rebinding sends the attacker's
/// name, IP literals cannot be rebound), and a POST must be `application/json` (415), which a
/// cross-site form or `text/plain` fetch cannot send without a CORS preflight the API never grants.
package final class AdminAPI: Sendable {
    let backend: any AdminBackend
    private let allowedHosts: Set<String>

    package init(backend: any AdminBackend) {
        self.backend = backend
        self.allowedHosts = Set(["localhost"] + backend.adminHosts)
    }

    func count(endpoint: String, status: Int) {
        backend.countAdminRequest(endpoint: endpoint, status: status)
    }

    /// Logs a refusal made outside ``handle(_:respond:)`` (framing, deadlines).
    func refused(_ status: Int, reason: String) {
        backend.logger.warning(
            "admin request refused",
            metadata: ["relay.admin.endpoint": "other", "relay.status": "\(status)", "relay.reason": "\(reason)"])
    }

    /// Whether `host` (a `Host` header: name or IP literal, optional port) may reach the API.
    func isAllowed(host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("[") {
            // [v6] or [v6]:port: an IP literal.
            return name.contains("]")
        }
        if let colon = name.lastIndex(of: ":") {
            guard name[name.index(after: colon)...].allSatisfy(\.isASCII) else { return false }
            name = String(name[..<colon])
        }
        if name.hasSuffix(".") { name.removeLast() }
        if allowedHosts.contains(name) { return true }
        // An IPv4 literal: four numbers 0-255.
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in part.count <= 3 && UInt8(part) != nil }
    }

    /// Answers `request` through `respond`, exactly once (possibly later, from another thread).
    func handle(_ request: AdminRequest, respond: @escaping @Sendable (AdminResponse) -> Void) {
        let endpoint = Self.endpoint(request.path)
        let answer: @Sendable (AdminResponse) -> Void = { [backend] response in
            backend.countAdminRequest(endpoint: endpoint, status: response.status)
            if response.status >= 400, endpoint != "healthz", endpoint != "readyz" {
                backend.logger.warning(
                    "admin request refused",
                    metadata: [
                        "relay.admin.endpoint": "\(endpoint)", "relay.status": "\(response.status)",
                        "relay.reason": "\(String(decoding: response.body.prefix(200), as: UTF8.self))",
                    ])
            }
            respond(response)
        }
        if let host = request.host, !isAllowed(host: host) {
            answer(
                .error(
                    403,
                    "Host '\(LogEscaping.escape(String(host.prefix(100))))' is not allowed: use an IP address, "
                        + "localhost, or a name listed in admin_hosts"))
            return
        }
        if request.method == "POST", !(request.contentType?.lowercased().hasPrefix("application/json") ?? false) {
            answer(.error(415, "POST bodies must be Content-Type: application/json"))
            return
        }
        if request.path.hasPrefix("/admin/"), let token = backend.adminToken, !Self.authorized(request, token: token) {
            var response = AdminResponse.error(401, "missing or wrong bearer token: send Authorization: Bearer <token>")
            response.headers.append(("www-authenticate", "Bearer realm=\"moda-relay admin\""))
            answer(response)
            return
        }
        if request.method == "GET" || request.method == "HEAD", let asset = ConsoleAssets.asset(path: request.path) {
            answer(asset)
            return
        }
        switch (request.method, request.path) {
        case ("GET", "/healthz"), ("HEAD", "/healthz"):
            answer(.json(200, .object(["ok": .bool(true)])))
        case ("GET", "/readyz"), ("HEAD", "/readyz"):
            let ready = backend.readiness()
            // Details (paths, OS errors, the store's host) only with the token, when there is one.
            let details = backend.adminToken.map { Self.authorized(request, token: $0) } ?? true
            answer(AdminResponse(status: ready.isReady ? 200 : 503, body: Array(ready.json(details: details).utf8)))
        case ("GET", "/metrics"), ("HEAD", "/metrics"):
            answer(
                AdminResponse(
                    status: 200, body: backend.metricsExposition(),
                    contentType: "text/plain; version=0.0.4; charset=utf-8"))
        case ("GET", "/admin/sinks"):
            blocking(answer) { [backend] in
                var document: [String: JSONValue] = ["sinks": .array(backend.sinkReports().map(\.json))]
                if let store = backend.storeReport { document["store"] = store }
                document["backfill"] = backend.backfillReport
                return .json(200, .object(document))
            }
        case ("GET", "/admin/backfill"):
            answer(.json(200, backend.backfillReport))
        case ("GET", "/admin/deliveries"):
            answer(deliveries(request.query))
        case ("GET", "/admin/activity"):
            answer(activity(request.query))
        case ("GET", "/admin/dead"):
            blocking(answer) { [self] in dead(request.query) }
        case ("POST", "/admin/dead/replay"):
            blocking(answer) { [backend] in Self.replay(backend, body: request.body) }
        case (_, let path) where Self.readOnlyPaths.contains(path) || ConsoleAssets.paths.contains(path):
            var response = AdminResponse.error(405, "method \(request.method) not allowed; use GET")
            response.headers.append(("allow", "GET"))
            answer(response)
        case (_, "/admin/dead/replay"):
            var response = AdminResponse.error(405, "method \(request.method) not allowed; use POST")
            response.headers.append(("allow", "POST"))
            answer(response)
        default:
            answer(.error(404, "no such endpoint"))
        }
    }

    /// Runs `work` (file reads, fsyncs, waiting for commits) on the relay's blocking pool.
    private func blocking(
        _ answer: @escaping @Sendable (AdminResponse) -> Void, _ work: @escaping @Sendable () -> AdminResponse
    ) {
        backend.runBlocking { active in answer(active ? work() : .error(503, "shutting down")) }
    }

    private func deliveries(_ query: [String: String]) -> AdminResponse {
        let limit: Int
        do {
            limit = try AdminQuery.count(query["limit"], name: "limit", default: 50, range: 1...1000)
        } catch {
            return .error(400, error.reason)
        }
        let recent = backend.recentAttempts(sink: query["sink"])
        var attempts: [(String, DeliveryAttempt)] = []
        if let sink = query["sink"] {
            guard let list = recent[sink] else {
                return .error(404, "no running sink named '\(sink)' (see /admin/sinks)")
            }
            attempts = list.map { (sink, $0) }
        } else {
            for (sink, list) in recent { attempts += list.map { (sink, $0) } }
            attempts.sort { $0.1.atMillis > $1.1.atMillis }
        }
        if let status = query["status"] {
            guard let filter = DeliveryStatusFilter(status) else {
                return .error(
                    400, "status must be delivered, retry, dead, paused, error, an HTTP code or a class like 5xx")
            }
            attempts = attempts.filter { filter.matches(outcome: $0.1.outcome, status: $0.1.status) }
        }
        let shown = attempts.prefix(limit).map { sink, attempt in
            JSONValue.object([
                "sink": .string(sink), "at": .time(millis: attempt.atMillis), "event_id": .string(attempt.eventID),
                "event_type": .string(attempt.eventType), "attempt": .int(attempt.attempt),
                "outcome": .string(attempt.outcome.rawValue), "status": attempt.status.map { .int($0) } ?? .null,
                "error": .optional(attempt.error),
                "latency_ms": .seconds(Double(attempt.latency / .microseconds(1)) / 1000),
                "response_excerpt": .string(attempt.responseExcerpt),
            ])
        }
        return .json(200, .object(["deliveries": .array(Array(shown))]))
    }

    private func activity(_ query: [String: String]) -> AdminResponse {
        let now = WallClock.nowMillis()
        let series = backend.activity(sink: query["sink"], nowMillis: now)
        if let sink = query["sink"], series[sink] == nil {
            return .error(404, "no running sink named '\(sink)' (see /admin/sinks)")
        }
        let first = series.values.first
        return .json(
            200,
            .object([
                "bucket_seconds": .int((first?.bucketMillis ?? 10_000) / 1000),
                "start": first.map { .time(millis: $0.startMillis) } ?? .null,
                "sinks": .array(
                    series.keys.sorted().compactMap { name in
                        series[name].map { counts in
                            .object([
                                "name": .string(name), "delivered": .array(counts.delivered.map { .int($0) }),
                                "failed": .array(counts.failed.map { .int($0) }),
                            ])
                        }
                    }),
            ]))
    }

    private static func replay(_ backend: any AdminBackend, body: [UInt8]) -> AdminResponse {
        let request: ReplayRequest
        do throws(AdminQuery.Invalid) {
            request = try ReplayRequest(json: body)
        } catch {
            return .error(400, error.reason)
        }
        do {
            return .json(200, try backend.replay(request).json)
        } catch {
            return .error(error.status, error.reason)
        }
    }

    /// The endpoints that answer GET (and HEAD) only.
    private static let readOnlyPaths: Set<String> = [
        "/healthz", "/readyz", "/metrics", "/admin/sinks", "/admin/deliveries", "/admin/activity", "/admin/dead",
        "/admin/backfill",
    ]

    private static func endpoint(_ path: String) -> String {
        switch path {
        case "/healthz": return "healthz"
        case "/readyz": return "readyz"
        case "/metrics": return "metrics"
        case "/admin/sinks": return "sinks"
        case "/admin/deliveries": return "deliveries"
        case "/admin/activity": return "activity"
        case "/admin/dead": return "dead"
        case "/admin/backfill": return "backfill"
        case _ where ConsoleAssets.paths.contains(path): return "ui"
        case "/admin/dead/replay": return "replay"
        default: return "other"
        }
    }

    /// `Authorization: Bearer <token>`, compared without revealing where it differs. The lengths
    /// are compared as whole `Int`s: a truncating `UInt8` of their difference let a token 256
    /// bytes longer than the real one pass the length check.
    static func authorized(_ request: AdminRequest, token: [UInt8]) -> Bool {
        guard let header = request.authorization, header.lowercased().hasPrefix("bearer ") else { return false }
        return ConstantTime.equalSecret(Array(header.utf8.dropFirst(7)), token)
    }
}
