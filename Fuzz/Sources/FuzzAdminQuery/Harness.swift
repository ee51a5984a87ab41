import FuzzSupport
import RelayCore

/// The admin API's query strings and replay bodies: every number range-checked, nothing traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAdminQuery(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? ReplayRequest(json: bytes)
    let text = String(decoding: bytes, as: UTF8.self)
    let query = AdminQuery.parse(Substring(text))
    for (name, value) in query {
        if let count = try? AdminQuery.count(value, name: name, default: 1, range: 1...10_000),
            !(1...10_000).contains(count)
        {
            Scratch.fail("a count outside its range")
        }
        _ = try? AdminQuery.instant(value, name: name)
        _ = DeliveryStatusFilter(value)?.matches(outcome: DeliveryOutcome(rawValue: value) ?? .retry, status: 503)
        _ = AdminQuery.flag(value)
    }
    return 0
}
