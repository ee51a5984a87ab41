#if canImport(Glibc)
    import Glibc
#endif

/// A blocking multi-producer, single-consumer queue (pthread mutex + condition variable) that
/// hands appends to the writer thread. `take` returns everything queued, up to a limit.
final class CommitQueue<Element>: @unchecked Sendable {
    // All mutable state is guarded by `mutex`.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var items: [Element] = []
    private var closed = false

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Adds an element; false (and nothing added) once the queue is closed.
    func push(_ element: Element) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !closed else { return false }
        items.append(element)
        if items.count == 1 { pthread_cond_signal(condition) }
        return true
    }

    /// Blocks until there is something to take or the queue is closed; nil means closed and empty.
    func take(limit: Int) -> [Element]? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while items.isEmpty && !closed { pthread_cond_wait(condition, mutex) }
        if items.isEmpty { return nil }
        if items.count <= limit {
            defer { items = [] }
            return items
        }
        let batch = Array(items.prefix(limit))
        items.removeFirst(limit)
        return batch
    }

    /// Refuses further pushes and wakes the consumer; queued elements are still taken.
    func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }
}
