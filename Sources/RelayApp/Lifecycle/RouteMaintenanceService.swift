import ServiceLifecycle

/// Reloads on SIGHUP and route-file changes, and reaps drained workers, until shutdown.
struct RouteMaintenanceService: Service {
    let relay: Relay

    func run() async throws {
        await cancelWhenGracefulShutdown { await relay.maintain() }
    }
}
