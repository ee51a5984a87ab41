import Synchronization

/// Short, unique request ids for log correlation (`r1a2b`…), unique within a process run.
final class RequestIDGenerator: Sendable {
    private let counter = Atomic<UInt64>(0)
    private let prefix: String

    init() {
        prefix = String(UInt64.random(in: 0..<(1 << 20)), radix: 36)
    }

    /// The next request number (cheap; format it only when it is logged).
    func nextNumber() -> UInt64 {
        counter.wrappingAdd(1, ordering: .relaxed).newValue
    }

    /// The printable id of a request number.
    func format(_ number: UInt64) -> String {
        prefix + "-" + String(number, radix: 36)
    }
}

/// Counts open connections against a cap.
final class ConnectionLimiter: Sendable {
    private let open = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Takes a slot; false (and nothing taken) at the cap.
    func acquire() -> Bool {
        let now = open.wrappingAdd(1, ordering: .relaxed).newValue
        if now > limit {
            open.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func release() { open.wrappingSubtract(1, ordering: .relaxed) }

    var current: Int { open.load(ordering: .relaxed) }
}
