/// What one delivery attempt to a sink came back with, before any decision is made.
package enum DeliveryResult: Sendable, Equatable {
    /// Transport-level failures; all are retried.
    package enum TransportFailure: String, Sendable {
        case timeout
        case dns
        case connect
        case other
    }

    /// The sink answered. `retryAfter` is the raw `Retry-After` header, `bodyExcerpt` at most
    /// the first 2 KB of the body.
    case response(status: Int, retryAfter: String?, bodyExcerpt: String)
    /// No HTTP answer: timeout, name resolution, connection refused or reset, …
    case transportFailure(TransportFailure, message: String)
}
