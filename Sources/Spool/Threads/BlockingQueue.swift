import RelayCore

#if canImport(Glibc)
    import Glibc
#endif

/// A multi-producer, single-consumer queue for a dedicated thread (pthread mutex and a
/// condition variable on `CLOCK_MONOTONIC`): the spool writer's commit queue and each sink
/// worker's inbox. `take` returns everything queued, up to a limit.
package final class BlockingQueue<Element>: @unchecked Sendable {
    // All mutable state is guarded by `mutex`. Inlinable (and its state usable from inlinable
    // code) so each client module specializes it for its element type: the generic version
    // resolves type metadata at run time on every push and take.
    @usableFromInline let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    @usableFromInline let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    @usableFromInline var items: [Element] = []
    @usableFromInline var closed = false

    package init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Adds an element; false (and nothing added) once the queue is closed.
    @discardableResult
    @inlinable
    package func push(_ element: Element) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !closed else { return false }
        items.append(element)
        if items.count == 1 { pthread_cond_signal(condition) }
        return true
    }

    /// Up to `limit` queued elements. Waits while the queue is empty and open, until `deadline`
    /// (on `CLOCK_MONOTONIC`) if one is given. Nil means closed and empty; an empty array, that
    /// the deadline passed.
    @inlinable
    package func take(limit: Int = .max, deadline: MonotonicInstant? = nil) -> [Element]? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if let deadline {
            var time = timespec(
                tv_sec: Int(deadline.nanoseconds / 1_000_000_000), tv_nsec: Int(deadline.nanoseconds % 1_000_000_000))
            while items.isEmpty && !closed {
                if pthread_cond_timedwait(condition, mutex, &time) == ETIMEDOUT { break }
            }
        } else {
            while items.isEmpty && !closed { pthread_cond_wait(condition, mutex) }
        }
        if items.isEmpty { return closed ? nil : [] }
        if items.count <= limit {
            defer { items = [] }
            return items
        }
        let batch = Array(items.prefix(limit))
        items.removeFirst(limit)
        return batch
    }

    /// Refuses further pushes and wakes the consumer; queued elements can still be taken.
    @inlinable
    package func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }
}
