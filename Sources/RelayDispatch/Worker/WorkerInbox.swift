#if canImport(Glibc)
    import Glibc
#endif

/// A worker thread's inbox: events pushed from any thread, taken in batches with a deadline on
/// the monotonic clock (pthread condition variable bound to CLOCK_MONOTONIC).
final class WorkerInbox<Event>: @unchecked Sendable {
    // All mutable state is guarded by `mutex`.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var events: [Event] = []
    private var closed = false

    init() {
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

    /// Adds an event; dropped once the inbox is closed.
    func push(_ event: Event) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !closed else { return }
        events.append(event)
        pthread_cond_signal(condition)
    }

    /// Everything queued, waiting until something arrives or `deadline` (monotonic ns) passes.
    func take(deadline: UInt64) -> [Event] {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if events.isEmpty {
            var time = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
            _ = pthread_cond_timedwait(condition, mutex, &time)
        }
        defer { events = [] }
        return events
    }

    /// Drops later pushes (completions that arrive after the worker stopped).
    func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_mutex_unlock(mutex)
    }
}
