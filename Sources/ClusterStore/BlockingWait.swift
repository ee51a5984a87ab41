import Dispatch
import NIOCore
import Synchronization

/// Waits on a thread that is not an event loop (the spool writer's) for `future`, at most
/// `limit`. Returns nil when the limit passed first.
func blockingWait<Value: Sendable>(_ future: EventLoopFuture<Value>, limit: Duration) -> Result<Value, any Error>? {
    let done = DispatchSemaphore(value: 0)
    let outcome = Mutex<Result<Value, any Error>?>(nil)
    future.whenComplete { result in
        outcome.withLock { $0 = result }
        done.signal()
    }
    let nanos = Int(clamping: limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000)
    guard done.wait(timeout: .now() + .nanoseconds(nanos)) == .success else { return nil }
    return outcome.withLock { $0 }
}
