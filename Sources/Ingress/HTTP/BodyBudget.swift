import Synchronization

/// A cap on the request-body bytes the ingress holds in memory at once: in total, per peer
/// address, and for large bodies.
///
/// Every byte is unauthenticated until the whole body has arrived and its signature checks, so
/// bytes are taken as they arrive, never on a `Content-Length`'s word (a head alone holds
/// nothing), and given back when the request is answered or its connection closes. Past a cap
/// the request gets 503, which Moda retries. Three caps, so that no client without the secret can
/// make a real webhook wait or fail:
/// - **total** (`max_buffered_bytes`): memory stays bounded whatever arrives;
/// - **per peer** (`max_buffered_bytes_per_peer`, on by default): one address cannot take it all;
/// - **large bodies** (over ``smallBody``: declared so, or chunked) share three quarters of the
///   total, so the last quarter is always there for small ones, which every real Moda event is.
package final class BodyBudget: Sendable {
    /// Why bytes were refused.
    enum Refusal {
        case total, perPeer, largeBodies

        var reason: String {
            switch self {
            case .total: return "too many request bytes are being received at once; retry"
            case .perPeer: return "too many request bytes are being received from this address at once; retry"
            case .largeBodies: return "too many large request bodies are being received at once; retry"
            }
        }
    }

    /// Bodies larger than this (or of unknown length) are large.
    static let smallBody = 64 << 10

    let limit: Int
    /// Most bytes one peer address may hold; nil: no such cap.
    let perPeer: Int?
    /// Most bytes large bodies may hold together.
    var largeLimit: Int { limit - limit / 4 }

    private let used = Atomic<Int>(0)
    private let usedByLarge = Atomic<Int>(0)
    private let byPeer = Mutex<[String: Int]>([:])

    package init(limit: Int, perPeer: Int? = nil) {
        self.limit = limit
        self.perPeer = perPeer
    }

    /// Takes `bytes` for a request from `peer` (`large`: see ``smallBody``); the refusal, and
    /// nothing taken, at a cap.
    func reserve(_ bytes: Int, peer: String?, large: Bool) -> Refusal? {
        guard bytes > 0 else { return nil }
        if used.wrappingAdd(bytes, ordering: .relaxed).newValue > limit {
            used.wrappingSubtract(bytes, ordering: .relaxed)
            return .total
        }
        if large, usedByLarge.wrappingAdd(bytes, ordering: .relaxed).newValue > largeLimit {
            usedByLarge.wrappingSubtract(bytes, ordering: .relaxed)
            used.wrappingSubtract(bytes, ordering: .relaxed)
            return .largeBodies
        }
        if let perPeer, let peer {
            let admitted = byPeer.withLock { counts in
                let now = counts[peer, default: 0] + bytes
                guard now <= perPeer else { return false }
                counts[peer] = now
                return true
            }
            if !admitted {
                if large { usedByLarge.wrappingSubtract(bytes, ordering: .relaxed) }
                used.wrappingSubtract(bytes, ordering: .relaxed)
                return .perPeer
            }
        }
        return nil
    }

    /// Gives back `bytes` taken with ``reserve(_:peer:large:)``.
    func release(_ bytes: Int, peer: String?, large: Bool) {
        guard bytes > 0 else { return }
        used.wrappingSubtract(bytes, ordering: .relaxed)
        if large { usedByLarge.wrappingSubtract(bytes, ordering: .relaxed) }
        if perPeer != nil, let peer {
            byPeer.withLock { counts in
                let now = counts[peer, default: bytes] - bytes
                counts[peer] = now > 0 ? now : nil
            }
        }
    }

    /// Bytes reserved now.
    package var inUse: Int { used.load(ordering: .relaxed) }
}
