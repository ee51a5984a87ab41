import RelayCore
import Spool
import Synchronization

/// Coalesces concurrent copies of one event (invariant 3: duplicates wait for the original).
///
/// The first copy of a key proceeds to the spool; copies that arrive while it commits wait and
/// get the original's result: on success a duplicate answer, on failure the same error. The
/// seen check happens under the ledger's lock after the in-flight check, and the writer marks a
/// key seen before its completion removes it here, so a copy never slips between the two.
package final class InFlightLedger: Sendable {
    /// What a new copy of an event should do.
    package enum Admission {
        /// First copy: commit it, then call ``finish(_:result:)``.
        case proceed
        /// Already durable: answer duplicate.
        case duplicate
        /// The original is committing; the waiter will be called with its result.
        case waiting
    }

    package typealias Waiter = @Sendable (Result<Void, SpoolError>) -> Void

    private let inFlight = Mutex<[DedupeKey: [Waiter]]>([:])
    private let dedupe: any DedupeStore

    package init(dedupe: any DedupeStore) {
        self.dedupe = dedupe
    }

    /// Admits one copy of `key`. `makeWaiter` is called (and its waiter kept) only when the
    /// answer is `.waiting`, so the common path allocates no closure.
    package func admit(_ key: DedupeKey, nowMillis: Int64, makeWaiter: () -> Waiter) -> Admission {
        inFlight.withLock { table in
            if table[key] != nil {
                table[key]!.append(makeWaiter())
                return .waiting
            }
            if dedupe.contains(key, nowMillis: nowMillis) { return .duplicate }
            table[key] = []
            return .proceed
        }
    }

    /// Ends the original's commit and wakes every copy that waited for it.
    package func finish(_ key: DedupeKey, result: Result<Void, SpoolError>) {
        let waiters = inFlight.withLock { $0.removeValue(forKey: key) } ?? []
        for waiter in waiters { waiter(result) }
    }

    /// Keys committing now.
    package var count: Int { inFlight.withLock { $0.count } }
}
