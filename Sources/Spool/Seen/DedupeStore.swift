import RelayCore
import Synchronization

/// Where "this event was already durably accepted" is remembered.
///
/// The contract that keeps invariant 2 (no seen without durable): ``recordDurable(_:nowMillis:deferSync:)``
/// is called by the writer only after the events' records are synced in every spool. It must
/// be durable when it returns, except with `deferSync: true`: then every key is also inside a
/// record of some spool's *tail* segment, from which recovery restores it, and the store may
/// postpone its own sync until ``syncDeferred()``, which the writer calls before a segment stops
/// being a tail and at close. A shared (Redis) implementation replaces the local one for
/// several instances behind a load balancer.
package protocol DedupeStore: AnyObject, Sendable {
    /// Whether `key` was durably accepted within the window.
    func contains(_ key: DedupeKey, nowMillis: Int64) -> Bool
    /// Persists keys whose events are now durable. Called on the writer thread.
    func recordDurable(_ entries: [SeenEntry], nowMillis: Int64, deferSync: Bool) throws(SpoolError)
    /// Makes every entry recorded with `deferSync` durable. Called on the writer thread.
    func syncDeferred() throws(SpoolError)
    /// Adds keys that must be seen and that the log may lack: keys recovered from spool tail
    /// records, or whose write failed after a shared claim committed. They are seen at once, and
    /// written to the log by the next ``recordDurable(_:nowMillis:deferSync:)`` or
    /// ``syncDeferred()`` (so, like deferred entries, before any tail holding them is replaced).
    func restore(_ entries: [SeenEntry], nowMillis: Int64)
}
