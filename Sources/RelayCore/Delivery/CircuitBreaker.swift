/// Counts a sink's consecutive retryable failures. At ``threshold`` the circuit opens: only the
/// oldest record is retried (the probe, on its own backoff) until an attempt gets any answer
/// that is not a retryable failure, which closes it.
package struct CircuitBreaker: Sendable, Equatable {
    /// What one result did to the circuit.
    package enum Change: Sendable, Equatable {
        case unchanged
        case opened(reason: String)
        case closed
    }

    package let threshold: Int
    package private(set) var consecutiveFailures = 0

    package init(threshold: Int = 5) {
        precondition(threshold >= 1)
        self.threshold = threshold
    }

    package var isOpen: Bool { consecutiveFailures >= threshold }

    /// Counts `result`: 5xx, 429, timeouts and connection errors add one whether or not the record
    /// has retries left; anything else shows the sink is up and resets the count.
    package mutating func record(_ result: DeliveryResult) -> Change {
        guard case .retryable(let reason) = DeliveryClass.of(result) else {
            let wasOpen = isOpen
            consecutiveFailures = 0
            return wasOpen ? .closed : .unchanged
        }
        consecutiveFailures += 1
        return consecutiveFailures == threshold ? .opened(reason: reason) : .unchanged
    }

    /// The operator says the sink is fixed.
    package mutating func reset() { consecutiveFailures = 0 }
}
