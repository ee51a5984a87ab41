import Admin
import Ingress
import NIOCore
import RelayConfig
import ServiceLifecycle
import Synchronization

/// The admin listener (probes, metrics, the admin API): bound at start, closed near the end of
/// a shutdown so `/readyz` reports it while the rest stops.
struct AdminListenerService: Service {
    let relay: Relay

    func run() async throws {
        let settings = relay.settings
        let listener: HTTPListener
        do {
            let api = AdminAPI(backend: relay)
            let timeouts = relay.webhookConfiguration
            listener = try await HTTPListener.bind(
                name: "admin", host: settings.adminListen.host, port: settings.adminListen.port,
                group: relay.eventLoops, limiter: ConnectionLimiter(limit: 64), onRejected: { _ in },
                onOpenChange: { _ in }, addTLS: nil,
                addHandlers: { [idleTimeout = relay.idleTimeout] sync in
                    try HTTPListener.addEncodedHTTP(
                        sync, idleTimeout: idleTimeout,
                        handler: AdminHandler(
                            api: api, headerTimeout: timeouts.headerTimeout, requestTimeout: timeouts.requestTimeout))
                })
        } catch {
            relay.adminBound.open(.failure(error))
            throw error
        }
        relay.listeners.withLock { $0.admin = listener }
        relay.adminBound.open(.success(()))
        await untilShutdown {
            // Let answers produced by the final commits reach their sockets.
            try? await Task.sleep(for: .milliseconds(50))
            await listener.close()
        }
    }
}
