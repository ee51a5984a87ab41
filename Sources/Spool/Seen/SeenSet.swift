import Synchronization

/// The in-memory seen-set: which dedupe keys were durably accepted within the window.
///
/// Entries are kept in arrival order so that expiry is a walk from the front. Thread-safe.
package final class SeenSet: Sendable {
    private struct State {
        var times: [SeenKey: Int64] = [:]
        var order: [SeenEntry] = []
        var head = 0
    }

    private let state = Mutex(State())
    package let windowMillis: Int64

    package init(windowMillis: Int64) {
        self.windowMillis = windowMillis
    }

    /// Whether `key` was accepted less than a window before `nowMillis`.
    package func contains(_ key: SeenKey, nowMillis: Int64) -> Bool {
        state.withLock { state in
            guard let time = state.times[key] else { return false }
            return nowMillis - time < windowMillis
        }
    }

    /// Adds entries (keeping the newest time for a key) and expires old ones.
    package func insert(_ entries: some Sequence<SeenEntry>, nowMillis: Int64) {
        state.withLock { state in
            for entry in entries {
                if let existing = state.times[entry.key], existing >= entry.acceptedAtMillis { continue }
                state.times[entry.key] = entry.acceptedAtMillis
                state.order.append(entry)
            }
            Self.expire(&state, before: nowMillis - windowMillis)
        }
    }

    /// Number of keys held.
    package var count: Int { state.withLock { $0.times.count } }

    private static func expire(_ state: inout State, before cutoff: Int64) {
        while state.head < state.order.count, state.order[state.head].acceptedAtMillis < cutoff {
            let entry = state.order[state.head]
            if state.times[entry.key] == entry.acceptedAtMillis { state.times[entry.key] = nil }
            state.head += 1
        }
        if state.head > 4096, state.head * 2 > state.order.count {
            state.order.removeFirst(state.head)
            state.head = 0
        }
    }
}
