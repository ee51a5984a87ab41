import Synchronization

/// A cap on the request-body bytes the ingress holds in memory at once, across all connections.
///
/// A request reserves its `Content-Length` when its head arrives (or each chunk as it arrives)
/// and gives the reservation back when it is answered or its connection closes. Without it,
/// 1,024 connections could pin 1,024 × `max_body` bytes; past the cap the ingress answers 503,
/// which Moda retries.
final class BodyBudget: Sendable {
    let limit: Int
    private let used = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    /// Takes `bytes` of the budget; false (and nothing taken) if that would pass the cap.
    func reserve(_ bytes: Int) -> Bool {
        guard bytes > 0 else { return true }
        let now = used.wrappingAdd(bytes, ordering: .relaxed).newValue
        if now > limit {
            used.wrappingSubtract(bytes, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Gives back `bytes` taken with ``reserve(_:)``.
    func release(_ bytes: Int) {
        if bytes > 0 { used.wrappingSubtract(bytes, ordering: .relaxed) }
    }

    /// Bytes reserved now.
    var inUse: Int { used.load(ordering: .relaxed) }
}
