import Foundation
import RelayConfig
import Spool

struct InstanceIdentityError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
