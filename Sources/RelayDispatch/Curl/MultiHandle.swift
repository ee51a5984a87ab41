import CCurl
import Foundation
import RelayCore
import Spool
import Synchronization

/// The multi handle, shared with `submit` only for `curl_multi_wakeup`, which libcurl documents
/// as safe to call from any thread.
struct MultiHandle: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    init(_ handle: UnsafeMutableRawPointer) { self.handle = handle }
}
