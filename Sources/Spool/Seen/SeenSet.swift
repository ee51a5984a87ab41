import RelayCore
import Synchronization

/// The in-memory seen-set: which dedupe keys were durably accepted within the window.
///
/// A table from key to acceptance time, nothing else (``SeenTable``, 16 bytes a slot): expired
/// entries are ignored by ``contains(_:nowMillis:)`` and removed by a sweep that runs at most
/// every 1/16 of the window, so memory is about 20 bytes per live key. Thread-safe.
package final class SeenSet: Sendable {
    private struct State {
        var table = SeenTable()
        var lastSweepMillis: Int64 = .min
    }

    private let state = Mutex(State())
    package let windowMillis: Int64

    package init(windowMillis: Int64) {
        self.windowMillis = windowMillis
    }

    /// Makes room for `count` keys at once, so loading does not rehash repeatedly.
    package func reserve(_ count: Int) {
        state.withLock { $0.table.reserve(count) }
    }

    /// Whether `key` was accepted less than a window before `nowMillis`.
    package func contains(_ key: DedupeKey, nowMillis: Int64) -> Bool {
        state.withLock { state in
            guard let time = state.table.acceptedAtMillis(key) else { return false }
            return nowMillis - time < windowMillis
        }
    }

    /// Adds entries (keeping the newest time for a key); sweeps expired ones now and then.
    package func insert(_ entries: some Sequence<SeenEntry>, nowMillis: Int64) {
        state.withLock { state in
            for entry in entries where nowMillis - entry.acceptedAtMillis < windowMillis {
                state.table.insert(entry.key, acceptedAtMillis: entry.acceptedAtMillis)
            }
            let sweepEvery = max(1, windowMillis / 16)
            if state.lastSweepMillis == .min || nowMillis - state.lastSweepMillis >= sweepEvery {
                state.lastSweepMillis = nowMillis
                state.table.removeAccepted(atOrBefore: nowMillis - windowMillis)
            }
        }
    }

    /// Number of keys held (expired ones included until the next sweep).
    package var count: Int { state.withLock { $0.table.count } }
}
