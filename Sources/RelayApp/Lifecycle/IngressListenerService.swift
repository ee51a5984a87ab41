import CoreMetrics
import Ingress
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import RelayConfig
import ServiceLifecycle
import Synchronization
import Telemetry

/// The webhook ingress: bound once the admin listener is, so "relay listening" names both; on
/// shutdown, readiness turns 503 first, the ingress keeps accepting for `shutdown_delay`, then
/// it closes (the writer, stopped next, still answers what was queued).
struct IngressListenerService: Service {
    let relay: Relay

    func run() async throws {
        let settings = relay.settings
        let listener: HTTPListener
        do {
            try await relay.adminBound.wait()
            listener = try await bind()
        } catch {
            relay.listening.open(.failure(error))
            throw error
        }
        relay.listeners.withLock { $0.ingress = listener }
        relay.logger.info(
            "relay listening",
            metadata: [
                "relay.ingress": "\(relay.ingressAddress.map(Relay.describe) ?? "?")",
                "relay.admin": "\(relay.adminAddress.map(Relay.describe) ?? "?")",
                "relay.console": "\(relay.adminAddress.map(Relay.consoleURL) ?? "?")",
                "relay.path": "\(settings.path)",
                "relay.tls": "\(relay.tls != nil)",
            ])
        relay.listening.open(.success(()))
        await untilShutdown {
            relay.state.withLock { $0.shuttingDown = true }
            if settings.shutdownDelay > .zero {
                relay.logger.info(
                    "shutting down: readiness is 503; the ingress keeps accepting for the shutdown delay",
                    metadata: ["relay.delay": "\(settings.shutdownDelay)"])
                try? await Task.sleep(for: settings.shutdownDelay)
            }
            relay.logger.info("shutting down: no longer accepting; finishing in-flight commits")
            await listener.close()
        }
    }

    private func bind() async throws -> HTTPListener {
        let settings = relay.settings
        let (pipeline, budget, metrics, logger) = (relay.pipeline, relay.budget, relay.metrics, relay.logger)
        let webhook = relay.webhookConfiguration
        var addTLS: (@Sendable (ChannelPipeline.SynchronousOperations) throws -> Void)?
        if let tls = relay.tls {
            addTLS = { sync in try sync.addHandler(NIOSSLServerHandler(context: tls.current)) }
        }
        let limiter = ConnectionLimiter(limit: settings.maxConnections, perPeer: settings.maxConnectionsPerPeer)
        return try await HTTPListener.bind(
            name: "ingress", host: settings.listen.host, port: settings.listen.port, group: relay.eventLoops,
            limiter: limiter,
            onRejected: { metrics.connectionRejected($0) },
            onOpenChange: { metrics.openConnections.set($0) },
            addTLS: addTLS,
            addHandlers: { sync in
                // NIO's request decoder only: the handler writes its answers as bytes and keeps
                // its own deadlines (see WebhookHandler).
                try sync.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                try sync.addHandler(
                    WebhookHandler(
                        configuration: webhook, pipeline: pipeline, budget: budget, limiter: limiter, metrics: metrics,
                        logger: logger))
            })
    }
}
