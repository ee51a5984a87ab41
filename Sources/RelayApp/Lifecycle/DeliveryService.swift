import RelayDispatch
import ServiceLifecycle

/// The sink workers and the dispatcher: what was not delivered stays in the spools.
struct DeliveryService: Service {
    let fleet: SinkFleet
    let dispatcher: CurlDispatcher

    func run() async throws {
        await untilShutdown {
            await fleet.stopAll()
            await dispatcher.stop()
        }
    }
}
