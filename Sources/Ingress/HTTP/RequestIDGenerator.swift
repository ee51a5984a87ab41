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
