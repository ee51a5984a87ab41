import RelayCore

extension CurlDispatcher {
    /// Sends one request on a dispatcher of its own and returns its result: for the command
    /// line (`send`, the admin client), not for deliveries.
    package static func once(_ request: OutboundRequest) async -> DeliveryResult {
        let dispatcher = CurlDispatcher(lanes: 1)
        let result: DeliveryResult = await withCheckedContinuation { continuation in
            dispatcher.submit(request) { result, _ in continuation.resume(returning: result) }
        }
        await dispatcher.stop()
        return result
    }
}
