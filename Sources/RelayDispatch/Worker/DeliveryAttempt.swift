import RelayCore

/// One delivery attempt as the admin API shows it.
package struct DeliveryAttempt: Sendable, Equatable {
    /// When the attempt ended (wall clock, ms).
    package var atMillis: Int64
    /// The event's dedupe key (its `evt_…` id, or `job:<id>:<event>` for legacy events).
    package var eventID: String
    package var eventType: String
    /// 1 for the first attempt of this record.
    package var attempt: Int
    /// `delivered`, `retry`, `dead` or `paused`.
    package var outcome: DeliveryOutcome
    /// The HTTP status, when the sink answered.
    package var status: Int?
    /// The transport failure, when it did not.
    package var error: String?
    package var latency: Duration
    /// The first 2 KB of the answer.
    package var responseExcerpt: String
}
