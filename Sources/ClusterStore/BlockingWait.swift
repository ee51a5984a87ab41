import Dispatch
import NIOCore
import RelayCore
import Synchronization

/// Waits on a thread that is not an event loop (the spool writer's) for `future`, at most
/// `limit`. Returns nil when the limit passed first. With `closing` (the session's close
/// future), a session that closes first ends the wait at once with ``SessionClosed``: a query
/// caught in a closing session is not always failed, and the writer must not wait out the
/// whole limit on a store that is gone.
func blockingWait<Value: Sendable>(
    _ future: EventLoopFuture<Value>, closing: EventLoopFuture<Void>? = nil, limit: Duration
) -> Result<Value, any Error>? {
    let done = DispatchSemaphore(value: 0)
    let outcome = Mutex<Result<Value, any Error>?>(nil)
    future.whenComplete { result in
        outcome.withLock { $0 = $0 ?? result }
        done.signal()
    }
    closing?.whenComplete { _ in
        outcome.withLock { $0 = $0 ?? .failure(SessionClosed()) }
        done.signal()
    }
    let nanos = Int(clamping: limit.wholeNanoseconds)
    guard done.wait(timeout: .now() + .nanoseconds(nanos)) == .success else { return nil }
    return outcome.withLock { $0 }
}

/// Awaits `future` for at most `limit`, without relying on cancellation (postgres-nio's queries
/// do not stop when their task is cancelled): when the limit passes first, this throws
/// ``StoreTimeout`` at once and the future is left to finish on its own.
func boundedWait<Value: Sendable>(_ future: EventLoopFuture<Value>, limit: Duration) async throws -> Value {
    let resumed = Mutex(false)
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
        let nanos = limit.wholeNanoseconds
        let timer = future.eventLoop.scheduleTask(in: .nanoseconds(nanos)) {
            guard
                resumed.withLock({ done in
                    defer { done = true }; return !done
                })
            else { return }
            continuation.resume(throwing: StoreTimeout())
        }
        future.whenComplete { result in
            timer.cancel()
            guard
                resumed.withLock({ done in
                    defer { done = true }; return !done
                })
            else { return }
            continuation.resume(with: result)
        }
    }
}
