import Logging
import RelayCore

/// The admin listener's router: the policy every request passes (Host, content type, token),
/// then the endpoint, from the route tables of `Endpoints/`.
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
    private let policy: AdminPolicy
    /// Every endpoint, by path.
    private let routes: [String: AdminRoute]

    package init(backend: any AdminBackend) {
        self.backend = backend
        policy = AdminPolicy(adminHosts: backend.adminHosts)
        let all =
            ProbeEndpoints.routes(backend) + SinkEndpoints.routes(backend) + DeliveryEndpoints.routes(backend)
            + DeadLetterEndpoints.routes(backend)
        routes = Dictionary(uniqueKeysWithValues: all.map { ($0.path, $0) })
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
    func isAllowed(host: String) -> Bool { policy.isAllowed(host: host) }

    /// Answers `request` through `respond`, exactly once (possibly later, from another thread).
    func handle(_ request: AdminRequest, respond: @escaping @Sendable (AdminResponse) -> Void) {
        let route = routes[request.path]
        let endpoint = route?.endpoint ?? (ConsoleAssets.paths.contains(request.path) ? "ui" : "other")
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
        if let refusal = refusal(of: request) {
            answer(refusal)
            return
        }
        if request.method == "GET" || request.method == "HEAD", let asset = ConsoleAssets.asset(path: request.path) {
            answer(asset)
            return
        }
        guard let route else {
            answer(
                ConsoleAssets.paths.contains(request.path)
                    ? Self.methodNotAllowed(request.method, use: "GET") : .error(404, "no such endpoint"))
            return
        }
        guard route.methods.contains(request.method) else {
            answer(Self.methodNotAllowed(request.method, use: route.methods[0]))
            return
        }
        switch route.work {
        case .inline(let work):
            answer(work(request))
        case .blocking(let work):
            backend.runBlocking { active in answer(active ? work(request) : .error(503, "shutting down")) }
        }
    }

    /// The policy's answer, if it refuses `request`: a `Host` that may be rebound (403), a POST
    /// that is not JSON (415), an `/admin/` call without the token (401).
    private func refusal(of request: AdminRequest) -> AdminResponse? {
        if let host = request.host, !policy.isAllowed(host: host) {
            return .error(
                403,
                "Host '\(LogEscaping.escape(String(host.prefix(100))))' is not allowed: use an IP address, "
                    + "localhost, or a name listed in admin_hosts")
        }
        if request.method == "POST", !(request.contentType?.lowercased().hasPrefix("application/json") ?? false) {
            return .error(415, "POST bodies must be Content-Type: application/json")
        }
        if request.path.hasPrefix("/admin/"), let token = backend.adminToken,
            !AdminPolicy.authorized(request, token: token)
        {
            var response = AdminResponse.error(401, "missing or wrong bearer token: send Authorization: Bearer <token>")
            response.headers.append(("www-authenticate", "Bearer realm=\"moda-relay admin\""))
            return response
        }
        return nil
    }

    private static func methodNotAllowed(_ method: String, use allowed: String) -> AdminResponse {
        var response = AdminResponse.error(405, "method \(method) not allowed; use \(allowed)")
        response.headers.append(("allow", allowed))
        return response
    }
}
