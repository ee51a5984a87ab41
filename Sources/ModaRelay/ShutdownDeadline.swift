import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Bounds a graceful shutdown: the last service of `serve`'s group, so the first one told to
/// stop, it then gives the others `limit` to finish. If they have not by then (a sink's
/// attempt or a sync hanging), it logs so and exits with status 1: what was acknowledged is
/// already durable, only acknowledgements of deliveries may be redone at the next start.
final class ShutdownDeadline: Service, Sendable {
    private let limit: Duration
    private let logger: Logger
    private let disarmed = Atomic<Bool>(false)

    init(limit: Duration, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }

    func run() async throws {
        try? await gracefulShutdown()
        let (limit, logger) = (self.limit, self.logger)
        Task.detached { [self] in
            try? await Task.sleep(for: limit)
            guard !disarmed.load(ordering: .acquiring) else { return }
            logger.error("graceful shutdown timed out; exiting anyway", metadata: ["relay.limit": "\(limit)"])
            ServeCommand.fail("graceful shutdown did not finish within \(limit)")
            exit(1)
        }
    }

    /// The group finished in time.
    func disarm() { disarmed.store(true, ordering: .releasing) }
}
