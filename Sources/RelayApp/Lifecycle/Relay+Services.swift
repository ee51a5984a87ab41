import Logging
import NIOCore
import NIOPosix
import RelayDispatch
import ServiceLifecycle
import Spool
import UnixSignals

/// The relay's long-running parts, each a swift-service-lifecycle `Service`. A `ServiceGroup`
/// starts them together and, on graceful shutdown, stops them one by one in reverse order:
///
/// 0. `BackfillReconciler` (with a Moda API key): a run in progress stops between calls;
/// 1. ``IngressListenerService``: readiness 503, the shutdown delay, then the ingress closes;
/// 2. ``RouteMaintenanceService``: no more reloads;
/// 3. ``SpoolWriterService``: queued commits finish and answer, the writer closes;
/// 4. ``DeliveryService``: workers stop between attempts (acknowledgements flushed), then the
///    dispatcher;
/// 5. `ClaimStoreMaintenance` (cluster mode): its sessions close, after the writer's last commit;
/// 6. ``AdminListenerService``: the admin listener closes last but one, so probes see the end;
/// 7. ``RuntimeService``: the blocking pool and the event loops.
extension Relay {
    /// The services in start order (the group stops them in reverse).
    package var services: [any Service] {
        var services: [any Service] = [RuntimeService(relay: self), AdminListenerService(relay: self)]
        if let cluster { services.append(cluster.maintenance) }
        services += [
            DeliveryService(fleet: fleet, dispatcher: dispatcher), SpoolWriterService(writer: writer),
            RouteMaintenanceService(relay: self), IngressListenerService(relay: self),
        ]
        if let backfill { services.append(backfill) }
        return services
    }

    /// A group running ``services``, shut down gracefully by `signals`, with any `extra` services
    /// (stopped first).
    package func serviceGroup(
        signals: [UnixSignal] = [], extra: [any Service] = [], logger: Logger
    ) -> ServiceGroup {
        ServiceGroup(
            configuration: .init(
                services: (services + extra).map { .init(service: $0) }, gracefulShutdownSignals: signals,
                logger: logger))
    }
}

/// Waits for graceful shutdown (or cancellation) and then runs `cleanup`.
func untilShutdown(then cleanup: () async -> Void) async {
    try? await gracefulShutdown()
    await cleanup()
}
