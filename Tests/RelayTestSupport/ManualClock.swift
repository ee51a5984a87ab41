import RelayCore
import Synchronization

/// A clock that moves only when told to, for tests of time-driven logic without sleeps.
///
/// Both its monotonic instant and its wall time advance together with ``advance(by:)``.
/// Sleepers wake when the clock is advanced past their deadline, or throw `CancellationError`
/// when their task is cancelled.
package final class ManualClock: DeliveryClock {
    private struct State {
        var now: MonotonicInstant
        var wallMillis: Int64
        var nextSleeper = 0
        var sleepers: [Int: (deadline: MonotonicInstant, continuation: CheckedContinuation<Void, any Error>)] = [:]
    }

    private let state: Mutex<State>

    /// A clock at `start` on the monotonic line and `wallMillis` on the wall.
    package init(start: MonotonicInstant = MonotonicInstant(nanoseconds: 1_000_000_000), wallMillis: Int64) {
        state = Mutex(State(now: start, wallMillis: wallMillis))
    }

    package var now: MonotonicInstant { state.withLock { $0.now } }

    package var wallMillis: Int64 { state.withLock { $0.wallMillis } }

    package var minimumResolution: Duration { .nanoseconds(1) }

    /// Moves both clocks forward by `duration` and wakes every sleeper now due.
    package func advance(by duration: Duration) {
        precondition(duration >= .zero, "a manual clock only moves forward")
        let due = state.withLock { state in
            state.now = state.now.advanced(by: duration)
            state.wallMillis += duration.wholeMilliseconds
            let now = state.now
            let ready = state.sleepers.filter { $0.value.deadline <= now }
            for key in ready.keys { state.sleepers[key] = nil }
            return ready.values.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    /// Moves the clocks to `instant` (no-op if it is not in the future).
    package func advance(to instant: MonotonicInstant) {
        let now = self.now
        if instant > now { advance(by: now.duration(to: instant)) }
    }

    package func sleep(until deadline: MonotonicInstant, tolerance: Duration? = nil) async throws {
        let id = state.withLock { state in
            defer { state.nextSleeper += 1 }
            return state.nextSleeper
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate: (any Error)?? = state.withLock { state in
                    if Task.isCancelled { return .some(CancellationError()) }
                    if deadline <= state.now { return .some(nil) }
                    state.sleepers[id] = (deadline, continuation)
                    return .none
                }
                switch immediate {
                case .some(let error?): continuation.resume(throwing: error)
                case .some(nil): continuation.resume()
                case .none: break
                }
            }
        } onCancel: {
            let continuation = state.withLock { $0.sleepers.removeValue(forKey: id)?.continuation }
            continuation?.resume(throwing: CancellationError())
        }
    }
}
