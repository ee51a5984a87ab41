/// The `status` filter of `/admin/deliveries`: an outcome, `error` (no answer), an HTTP code, or
/// a class like `5xx`.
package enum DeliveryStatusFilter: Sendable, Equatable {
    case outcome(DeliveryOutcome)
    case noAnswer
    case code(Int)
    case codeClass(Int)

    package init?(_ text: String) {
        if let outcome = DeliveryOutcome(rawValue: text) {
            self = .outcome(outcome)
            return
        }
        switch text {
        case "error": self = .noAnswer
        default:
            let bytes = Array(text.utf8)
            guard bytes.count == 3, (UInt8(ascii: "1")...UInt8(ascii: "5")).contains(bytes[0]) else { return nil }
            let first = Int(bytes[0] - UInt8(ascii: "0"))
            if bytes[1] == UInt8(ascii: "x"), bytes[2] == UInt8(ascii: "x") {
                self = .codeClass(first)
            } else if let code = Int(text), (100...599).contains(code) {
                self = .code(code)
            } else {
                return nil
            }
        }
    }

    /// Whether an attempt with this outcome and answer status (nil: no answer) passes.
    package func matches(outcome: DeliveryOutcome, status: Int?) -> Bool {
        switch self {
        case .outcome(let wanted): return outcome == wanted
        case .noAnswer: return status == nil
        case .code(let code): return status == code
        case .codeClass(let first): return (status ?? 0) / 100 == first
        }
    }
}
