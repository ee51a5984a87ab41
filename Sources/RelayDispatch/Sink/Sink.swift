import RelayCore
import Spool

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
