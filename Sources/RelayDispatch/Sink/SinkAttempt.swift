import RelayCore
import Spool

/// What a sink does with one due record.
package enum SinkAttempt: Sendable {
    /// Send this request through the shared dispatcher; its result arrives later.
    case request(OutboundRequest)
    /// The sink delivered it itself (a local write): the result.
    case finished(DeliveryResult)
    /// Nothing to send for this record (no template for its type): acknowledged as skipped.
    case skip(reason: String)
    /// The record cannot be turned into anything to send: dead-lettered at once.
    case deadLetter(reason: String)
}
