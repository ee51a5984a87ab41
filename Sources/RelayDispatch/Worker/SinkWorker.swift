import Foundation
import Logging
import RelayCore
import Spool
import Synchronization

/// Delivers one route's spool to its ``Sink``, on a thread of its own.
///
/// Semantics (see ``RetryMachine`` for the timing):
/// - Records are taken in sequence order, at most the sink's window at a time (its
///   `concurrency`; a `file` sink holds up to 256 per durable batch); a record's slot is held through its retries, so memory per sink
///   is bounded whatever the backlog.
/// - `rate` paces attempts with a token bucket.
/// - Delivered records are acknowledged in the spool; dead ones are written to the sink's
///   dead-letter log (synced) and then acknowledged. 410 Gone also pauses the sink until an
///   operator resumes it.
/// - A slow or failing sink only ever occupies its own slots: transfers run in the shared
///   libcurl dispatcher without blocking it, and the ingress never waits on a worker.
package final class SinkWorker: Sendable {
    /// What the worker is doing, for the admin API and tests.
    package struct Status: Sendable, Equatable {
        package var delivered = 0
        package var deadLetters = 0
        package var skipped = 0
        package var inFlight = 0
        package var paused: String?
        /// Consecutive retryable failures reached the circuit threshold (5, see ``CircuitBreaker``): only the
        /// oldest record is retried (a probe, on its own backoff) until a delivery succeeds.
        package var circuitOpen = false
        package var consecutiveFailures = 0
        /// Set when the route was removed by a reload: the worker delivers what is left, then stops.
        package var draining: String?
        package var lastError: String?
        package var lastErrorAtMillis: Int64?
        /// Records in the spool not yet delivered or dead.
        package var depth = 0
        /// The writer's commit mark `depth` was counted against (records below it).
        package var committedThrough: UInt64 = 0
        /// Acceptance time of the oldest undelivered record, if any.
        package var oldestAcceptedAtMillis: Int64?
    }

    /// What the worker's thread is told: by the fleet, the admin API and finished attempts.
    enum Event: Sendable {
        case wake
        case resume
        case completed(UInt64, DeliveryResult)
        case stop
    }

    package let route: Route
    /// The sink's dead letters (shared with the admin API).
    package let deadLetters: DeadLetterLog
    private let inbox = BlockingQueue<Event>()
    private let status = StatusBox()
    private let finished = ExitSignal()

    /// Starts the thread that delivers `queue` (the route's records, opened by the caller) to
    /// `sink` through `dispatcher`.
    package init(
        route: Route, sink: any Sink, queue: any SinkQueue, dispatcher: any RequestDispatcher,
        deadLetters: DeadLetterLog, logger: Logger, observer: (any DeliveryObserver)? = nil
    ) {
        self.route = route
        self.deadLetters = deadLetters
        let clock = SystemDeliveryClock()
        let loop = LoopBox(
            WorkerLoop(
                route: route, sink: sink, queue: queue, dispatcher: dispatcher, clock: clock, logger: logger,
                status: status, observer: observer, completed: { [inbox] in inbox.push($0) }))
        let thread = Thread { [self] in
            var deadline: MonotonicInstant? = clock.now
            while let wake = deadline {
                deadline = loop.value.turn(inbox.take(deadline: wake) ?? [.stop])
            }
            inbox.close()
            finished.signal()
        }
        thread.name = "moda-relay-sink"
        thread.start()
    }

    /// New records may be committed.
    package func wake() { inbox.push(.wake) }

    /// Lifts a pause (after 410 Gone) and closes the circuit: the operator says the sink is fixed.
    package func resume() { inbox.push(.resume) }

    /// The worker's counters and state.
    package var currentStatus: Status { status.value.withLock { $0 } }

    /// The sink's most recent attempts, newest first.
    package var recentAttempts: [DeliveryAttempt] { status.recent.withLock { $0.newestFirst } }

    /// The sink's attempts per bucket over the last minutes, ending with the bucket of `nowMillis`.
    package func activity(nowMillis: Int64) -> AttemptActivity.Series {
        status.activity.withLock { $0.series(nowMillis: nowMillis) }
    }

    /// The route was removed: keep delivering what the spool holds, and say why in the status.
    package func drain(reason: String) { status.value.withLock { $0.draining = reason } }

    /// Stops between attempts: no new attempts start, acknowledgements are flushed, and the
    /// thread exits. Attempts still in flight finish unacknowledged and are delivered again on
    /// the next start (at-least-once).
    package func stop() async {
        inbox.push(.stop)
        await finished.wait()
    }
}

/// Hands the thread-owned loop (and its queue) to its thread, which alone uses them from then on.
private struct LoopBox: @unchecked Sendable {
    let value: WorkerLoop<SystemDeliveryClock>
    init(_ value: WorkerLoop<SystemDeliveryClock>) { self.value = value }
}
