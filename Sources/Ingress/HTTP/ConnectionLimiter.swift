import Synchronization

/// Counts open connections against a cap, and optionally against a cap per peer address.
///
/// The per-peer cap is off by default: behind a load balancer every connection comes from the
/// balancer, so it would cap the balancer, not a client.
final class ConnectionLimiter: Sendable {
    /// Why a connection was refused (the `reason` label of `connections_rejected_total`).
    enum Refusal: String, Sendable {
        case total = "max_connections"
        case perPeer = "max_connections_per_peer"
    }

    private let open = Atomic<Int>(0)
    private let byPeer = Mutex<[String: Int]>([:])
    let limit: Int
    /// Most connections from one peer address; nil: no such cap.
    let perPeer: Int?

    init(limit: Int, perPeer: Int? = nil) {
        self.limit = limit
        self.perPeer = perPeer
    }

    /// Takes a slot for a connection from `peer`; the refusal (and nothing taken) at a cap.
    func acquire(peer: String?) -> Refusal? {
        let now = open.wrappingAdd(1, ordering: .relaxed).newValue
        if now > limit {
            open.wrappingSubtract(1, ordering: .relaxed)
            return .total
        }
        if let perPeer, let peer {
            let admitted = byPeer.withLock { counts in
                let count = counts[peer, default: 0]
                guard count < perPeer else { return false }
                counts[peer] = count + 1
                return true
            }
            if !admitted {
                open.wrappingSubtract(1, ordering: .relaxed)
                return .perPeer
            }
        }
        return nil
    }

    /// Gives back the slot of a connection from `peer`.
    func release(peer: String?) {
        open.wrappingSubtract(1, ordering: .relaxed)
        guard perPeer != nil, let peer else { return }
        byPeer.withLock { counts in
            let count = counts[peer, default: 1] - 1
            counts[peer] = count > 0 ? count : nil
        }
    }

    var current: Int { open.load(ordering: .relaxed) }
}
