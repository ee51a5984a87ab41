import FuzzSupport
import Spool

/// The dead-letter log: the input is a `.dead` file. Opening (index building), listing,
/// selecting, marking and compaction must not crash, and listed entries must decode.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDeadLetters(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let directory = Scratch.fresh("dead")
    Scratch.write(UnsafeRawBufferPointer(start: data, count: size), to: directory + "/s.dead")
    guard let log = try? DeadLetterLog(directory: directory, sink: "s", integrity: SpoolIntegrity()) else { return 0 }
    guard let page = try? log.page(.init(), offset: 0, limit: 50) else { return 0 }
    if page.count != log.liveCount { Scratch.fail("listed \(page.count) live events, index says \(log.liveCount)") }
    let ids = page.entries.map(\.letter.dedupeKey)
    let chosen = log.select(.init(sinceMillis: 0, ids: ids + ["evt_absent"]))
    if let entries = try? log.entries(chosen) {
        try? log.markReplayed(
            Dictionary(entries.map { ($0.letter.dedupeKey, $0.unreplayed) }, uniquingKeysWith: { $0.union($1) }),
            atMillis: 1_763_892_930_000)
    }
    _ = try? log.compactIfWorthwhile()
    _ = try? log.readAll()
    return 0
}
