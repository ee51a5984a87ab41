import RelayCore

/// `GET /healthz`, `GET /readyz` and `GET /metrics` (and `HEAD`): probes and scrapes, which never
/// need the token.
enum ProbeEndpoints {
    static func routes(_ backend: any AdminBackend) -> [AdminRoute] {
        [
            AdminRoute(
                path: "/healthz", methods: ["GET", "HEAD"], endpoint: "healthz",
                work: .inline { _ in
                    .json(200, .object(["ok": .bool(true)]))
                }),
            AdminRoute(
                path: "/readyz", methods: ["GET", "HEAD"], endpoint: "readyz",
                work: .inline { request in
                    let ready = backend.readiness()
                    // Details (paths, OS errors, the store's host) only with the token, when there is one.
                    let details = backend.adminToken.map { AdminPolicy.authorized(request, token: $0) } ?? true
                    return AdminResponse(
                        status: ready.isReady ? 200 : 503, body: Array(ready.json(details: details).utf8))
                }),
            AdminRoute(
                path: "/metrics", methods: ["GET", "HEAD"], endpoint: "metrics",
                work: .inline { _ in
                    AdminResponse(
                        status: 200, body: backend.metricsExposition(),
                        contentType: "text/plain; version=0.0.4; charset=utf-8")
                }),
        ]
    }
}
