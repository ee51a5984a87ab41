import CCurl
import Foundation
import RelayCore
import Spool
import Synchronization

/// `curl_global_init`, exactly once per process.
enum CurlGlobal {
    private static let once: Void = {
        let code = curl_global_init(Int(CURL_GLOBAL_ALL))
        precondition(code == CURLE_OK, "curl_global_init failed")
    }()

    static func initialize() { _ = once }
}
