import RelayCore

/// Sends the sink workers' outbound requests: libcurl's multi loop (``CurlDispatcher``) in the
/// relay, a scripted one in unit tests of the workers.
package protocol RequestDispatcher: Sendable {
    /// Sends `request` and calls `completion` once, from any thread, with its result and how long
    /// the attempt took. Requests with the same `affinity` keep to one connection.
    func submit(
        _ request: OutboundRequest, affinity: Int?, completion: @escaping @Sendable (DeliveryResult, Duration) -> Void)
}

extension CurlDispatcher: RequestDispatcher {}
