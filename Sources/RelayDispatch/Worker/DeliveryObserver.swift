import Foundation
import Logging
import RelayCore
import Spool
import Synchronization

/// Hears what delivery workers do, for metrics. Called on worker threads; must return quickly.
package protocol DeliveryObserver: Sendable {
    /// One attempt ended with `outcome`; `latency` is the
    /// attempt's own duration.
    func attempted(sink: String, outcome: DeliveryOutcome, latency: Duration)
    /// A record was delivered `endToEnd` after the relay accepted it.
    func delivered(sink: String, endToEnd: Duration)
    /// A record was dead-lettered.
    func deadLettered(sink: String)
    /// The sink's state after a loop turn.
    func state(sink: String, status: SinkWorker.Status)
}
