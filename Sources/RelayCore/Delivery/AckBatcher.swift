/// When a sink's spool acknowledgements are flushed: at once when `maxPending` are waiting,
/// otherwise `maxDelay` after the first one. A failed flush is tried again after `retryDelay`.
package struct AckBatcher: Sendable, Equatable {
    package let maxPending: Int
    package let maxDelay: Duration
    package let retryDelay: Duration
    package private(set) var pending = 0
    private var due: MonotonicInstant?
    /// The last flush failed: wait for `due` even when many are pending.
    private var backingOff = false

    package init(maxPending: Int = 256, maxDelay: Duration = .milliseconds(50), retryDelay: Duration = .seconds(1)) {
        self.maxPending = maxPending
        self.maxDelay = maxDelay
        self.retryDelay = retryDelay
    }

    /// One more acknowledgement is waiting to be flushed.
    package mutating func added(at now: MonotonicInstant) {
        pending += 1
        if due == nil { due = now.advanced(by: maxDelay) }
    }

    /// Whether to flush at `now`.
    package func shouldFlush(at now: MonotonicInstant) -> Bool {
        guard let due else { return false }
        return now >= due || (!backingOff && pending >= maxPending)
    }

    /// When a flush will be due, if anything is waiting.
    package var dueAt: MonotonicInstant? { due }

    /// The flush succeeded (`true`) or failed and is tried again later.
    package mutating func flushed(_ succeeded: Bool, at now: MonotonicInstant) {
        if succeeded {
            pending = 0
            due = nil
            backingOff = false
        } else {
            due = now.advanced(by: retryDelay)
            backingOff = true
        }
    }
}
