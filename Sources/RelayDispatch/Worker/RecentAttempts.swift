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
