import FuzzSupport
import RelayCore
import Spool

/// The seen log: the input is one hour file. Loading must not crash, never zero the file, and
/// keep every entry it could read; appending afterwards must work.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSeenLog(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let directory = Scratch.fresh("seen")
    let now: Int64 = 1_763_892_930_000
    let path = directory + "/" + String(now / 3_600_000) + ".log"
    Scratch.write(
        UnsafeRawBufferPointer(start: data, count: size), to: directory + "/000000" + String(now / 3_600_000) + ".log")
    _ = path
    guard
        let store = try? LocalDedupeStore(
            directory: directory, windowMillis: 86_400_000_000, nowMillis: now, integrity: SpoolIntegrity())
    else { return 0 }
    let key = DedupeKey(high: 1, low: 2)
    try? store.recordDurable([SeenEntry(key: key, acceptedAtMillis: now)], nowMillis: now, deferSync: false)
    if (try? store.syncDeferred()) != nil, !store.contains(key, nowMillis: now) {
        Scratch.fail("a recorded key is lost")
    }
    return 0
}
