/// The scheduler's configuration, the events' answers, and what one attempt reports.
extension DeliveryScheduler {
    /// The sink's delivery limits.
    package struct Configuration: Sendable {
        package var retry: RetryPolicy
        package var rate: Rate?
        /// Records held at once (in flight or waiting for a retry).
        package var window: Int
        package var circuitThreshold = 5
        package var acknowledgements = AckBatcher()
        /// How long the worker sleeps at most when nothing is due.
        package var idleWake: Duration = .seconds(1)
        /// How long a record waits after its dead letter could not be written.
        package var storageRetryDelay: Duration = .seconds(1)

        package init(retry: RetryPolicy, rate: Rate?, window: Int) {
            self.retry = retry
            self.rate = rate
            self.window = max(1, window)
        }
    }

    /// Why a record left the spool.
    package enum Settlement: Sendable, Equatable {
        case delivered
        case deadLettered
        /// Never attempted: nothing to send for it, or another instance delivers it.
        case skipped
    }

    /// One attempt that ended, for the admin API's recent attempts and the metrics.
    package struct Attempt: Sendable, Equatable {
        package var sequence: UInt64
        package var acceptedAtMillis: Int64
        /// 1-based.
        package var number: Int
        package var outcome: DeliveryOutcome
        package var result: DeliveryResult
        package var latency: Duration

        package init(
            sequence: UInt64, acceptedAtMillis: Int64, number: Int, outcome: DeliveryOutcome,
            result: DeliveryResult, latency: Duration
        ) {
            self.sequence = sequence
            self.acceptedAtMillis = acceptedAtMillis
            self.number = number
            self.outcome = outcome
            self.result = result
            self.latency = latency
        }
    }

    /// What the worker must do.
    package enum Action: Sendable, Equatable {
        /// Attempt these records now, in this order (a file sink writes them as one batch).
        case send([UInt64])
        /// An attempt ended: record it for the admin API and the metrics.
        case attempted(Attempt)
        /// A retryable failure: the sink's last error.
        case failed(reason: String)
        /// Write this record's dead letter, then report ``deadLetterWritten(_:)`` or
        /// ``deadLetterFailed(_:)``.
        case deadLetter(UInt64, reason: String, attempts: Int, last: DeliveryResult?)
        /// Acknowledge the record in the spool.
        case acknowledge(UInt64, Settlement)
        /// Flush the spool's acknowledgements, then report ``acknowledgementsFlushed(_:)``.
        case flushAcknowledgements
        case paused(reason: String)
        /// An operator resumed the sink; `reason` is why it was paused, if it was.
        case resumed(wasPausedFor: String?)
        case circuitOpened(reason: String)
        case circuitClosed
    }
}
