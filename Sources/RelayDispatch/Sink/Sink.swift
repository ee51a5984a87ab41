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

/// One route's sink, as its worker drives it. Owned by the worker's thread.
///
/// A sink kind (a folder under `Sources/Sinks`) builds one from its settings; the worker
/// schedules attempts, and the sink only turns due records into sends and reads answers.
package protocol Sink: AnyObject {
    /// Records the worker holds at once for a route allowing `concurrency` in flight.
    func window(concurrency: Int) -> Int
    /// What to do for each record of a due batch, in the same order.
    func attempt(_ records: [SpoolRecord], atMillis: Int64) -> [SinkAttempt]
    /// A chance to read a kind's own answer conventions (Discord's `retry_after`) before the
    /// retry policy sees the result.
    func interpret(_ result: DeliveryResult) -> DeliveryResult
}

extension Sink {
    package func window(concurrency: Int) -> Int { concurrency }
    package func interpret(_ result: DeliveryResult) -> DeliveryResult { result }
}

/// Builds the sink for a route (the registry of sink kinds, injected by the composition root).
package protocol SinkFactory: Sendable {
    func makeSink(for route: Route) throws -> any Sink
}
