/// How one delivery attempt ended, as the admin API, the metrics and the logs name it.
package enum DeliveryOutcome: String, Sendable, CaseIterable {
    /// The sink took the event.
    case delivered
    /// It failed and will be tried again.
    case retry
    /// It failed for good; the event was dead-lettered.
    case dead
    /// The endpoint is gone (410): the event was dead-lettered and the sink paused.
    case paused
}
