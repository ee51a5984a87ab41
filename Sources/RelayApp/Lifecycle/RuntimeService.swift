import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Owns the event loops and the blocking pool; stops them after everything else.
struct RuntimeService: Service {
    let relay: Relay

    func run() async throws {
        await untilShutdown {
            try? await relay.blockingPool.shutdownGracefully()
            try? await relay.eventLoops.shutdownGracefully()
            relay.logger.info("relay stopped")
        }
    }
}
