import NIOCore
import Synchronization
import Telemetry

/// Counts open connections against a cap, and optionally against a cap per peer address; at the
/// cap, makes room by evicting the connection that has waited longest for a request head.
///
/// A connection that has sent no head yet (just accepted, or idle between keep-alive requests)
/// holds nothing but its slot. Evicting the oldest such one, instead of refusing the newcomer,
/// means slow-header connections cannot fill every slot: a real sender sends its head within
/// milliseconds of connecting, so it is never the oldest waiting. A connection that is being
/// answered, or is receiving a body, is never evicted.
///
/// The per-peer cap is off by default: behind a load balancer every connection comes from the
/// balancer, so it would cap the balancer, not a client.
package final class ConnectionLimiter: Sendable {
    /// Why a connection was refused.
    package typealias Refusal = ConnectionRefusal

    /// A connection waiting for a request head, and how to evict it (on its own event loop).
    private struct Waiting {
        var since: NIODeadline
        var evict: @Sendable () -> Void
    }

    private struct State {
        var open = 0
        var byPeer: [String: Int] = [:]
        var waiting: [ObjectIdentifier: Waiting] = [:]
        /// Evicted connections not yet closed: their slots are already given to others.
        var evicted: Set<ObjectIdentifier> = []
    }

    private let state = Mutex(State())
    let limit: Int
    /// Most connections from one peer address; nil: no such cap.
    let perPeer: Int?
    /// A connection waiting this little is not evicted (it may be sending its head right now).
    static let evictionGrace: TimeAmount = .milliseconds(100)

    package init(limit: Int, perPeer: Int? = nil) {
        self.limit = limit
        self.perPeer = perPeer
    }

    /// Takes a slot for a connection from `peer`, evicting the longest-waiting head-less one if
    /// every slot is taken; the refusal (and nothing taken) when none can be.
    func acquire(peer: String?) -> Refusal? {
        let (refusal, evicted): (Refusal?, Waiting?) = state.withLock { state in
            if let perPeer, let peer, state.byPeer[peer, default: 0] >= perPeer { return (.perPeer, nil) }
            var evicted: Waiting?
            if state.open >= limit {
                let cutoff = NIODeadline.now() - Self.evictionGrace
                guard
                    let oldest = state.waiting.filter({ $0.value.since <= cutoff }).min(by: {
                        $0.value.since < $1.value.since
                    })
                else { return (.total, nil) }
                state.waiting[oldest.key] = nil
                state.evicted.insert(oldest.key)
                state.open -= 1
                evicted = oldest.value
            }
            state.open += 1
            if perPeer != nil, let peer { state.byPeer[peer, default: 0] += 1 }
            return (nil, evicted)
        }
        evicted?.evict()
        return refusal
    }

    /// Gives back the slot of connection `id` from `peer` (unless it was evicted: its slot went
    /// to the connection that evicted it).
    func release(peer: String?, id: ObjectIdentifier) {
        state.withLock { state in
            state.waiting[id] = nil
            if state.evicted.remove(id) == nil { state.open -= 1 }
            guard perPeer != nil, let peer else { return }
            let count = state.byPeer[peer, default: 1] - 1
            state.byPeer[peer] = count > 0 ? count : nil
        }
    }

    /// Connection `id` waits for a request head from now on; `evict` closes it (it runs on any
    /// thread: hop to the connection's event loop).
    func awaitingHead(_ id: ObjectIdentifier, evict: @escaping @Sendable () -> Void) {
        state.withLock { state in
            guard !state.evicted.contains(id), state.waiting[id] == nil else { return }
            state.waiting[id] = Waiting(since: .now(), evict: evict)
        }
    }

    /// Connection `id` got a request head: it is not evicted while it is served.
    func gotHead(_ id: ObjectIdentifier) {
        state.withLock { $0.waiting[id] = nil }
    }

    var current: Int { state.withLock { $0.open } }
}
