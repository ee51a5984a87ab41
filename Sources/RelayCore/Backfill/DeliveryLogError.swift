/// Why an answer of Moda's delivery-log API could not be used.
package enum DeliveryLogError: Error, Equatable, CustomStringConvertible {
    case malformed(String)

    package var description: String {
        switch self {
        case .malformed(let message): return message
        }
    }
}
