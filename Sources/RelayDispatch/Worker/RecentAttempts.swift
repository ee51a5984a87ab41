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
    package var outcome: String
    /// The HTTP status, when the sink answered.
    package var status: Int?
    /// The transport failure, when it did not.
    package var error: String?
    package var latency: Duration
    /// The first 2 KB of the answer.
    package var responseExcerpt: String
}

/// The last `capacity` attempts of one sink, newest first on read.
package struct RecentAttempts: Sendable {
    package let capacity: Int
    private var ring: [DeliveryAttempt] = []
    private var next = 0

    package init(capacity: Int) {
        self.capacity = max(1, capacity)
        ring.reserveCapacity(self.capacity)
    }

    package mutating func record(_ attempt: DeliveryAttempt) {
        if ring.count < capacity {
            ring.append(attempt)
        } else {
            ring[next] = attempt
        }
        next = (next + 1) % capacity
    }

    /// Every attempt kept, newest first.
    package var newestFirst: [DeliveryAttempt] {
        guard ring.count == capacity else { return ring.reversed() }
        return Array(ring[..<next].reversed()) + Array(ring[next...].reversed())
    }
}
