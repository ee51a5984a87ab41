import FuzzSupport
import RelayConfig

/// Cluster mode's `postgres_url`: anything parses or is refused with a reason, never traps; what
/// parses is in range, and neither its printed form nor any refusal quotes the password.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPostgresURL(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let url = try PostgresURL(parsing: text)
        if !(1...65535).contains(url.port) || url.host.isEmpty || url.user.isEmpty || url.database.isEmpty {
            Scratch.fail("a parsed URL out of range")
        }
        // Where the password would sit, between "user:" and "@", there is only the mask.
        let slot = "postgresql://" + url.user + (url.password == nil ? "@" : ":***@")
        if !url.description.hasPrefix(slot) {
            Scratch.fail("the printed URL shows the password")
        }
    } catch {
        _ = error.message
    }
    return 0
}
