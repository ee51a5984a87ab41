import FuzzSupport
import Spool

/// Spool recovery and reading: the input is `u16 LE n`, then `n` bytes of an `.acks` file, then
/// a segment file. Recovery must not crash, must keep the file's valid records, and the reader
/// must hand them out in order.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSegment(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let acksLength = size >= 2 ? min(size - 2, Int(bytes[0]) | Int(bytes[1]) << 8) : 0
    let directory = Scratch.fresh("spool/s")
    let segment = directory + "/00000000000000000001.seg"
    Scratch.write(UnsafeRawBufferPointer(rebasing: bytes[min(size, 2 + acksLength)...]), to: segment)
    if acksLength > 0 {
        Scratch.write(
            UnsafeRawBufferPointer(rebasing: bytes[2..<2 + acksLength]), to: directory + "/00000000000000000001.acks")
    }
    let integrity = SpoolIntegrity()
    guard let spool = try? SinkSpool(name: "s", directory: directory, segmentBytes: 1 << 20, integrity: integrity)
    else {
        return 0
    }
    let mark = CommitMark(nextSequence: spool.nextSequence, rollbacks: 0, tailFirst: spool.tailFirst)
    guard let reader = try? SpoolReader(sink: "s", directory: directory, integrity: integrity) else { return 0 }
    var last: UInt64 = 0
    while let records = try? reader.next(limit: 64, committed: mark), !records.isEmpty {
        for record in records {
            if record.sequence <= last && last != 0 { Scratch.fail("records out of order") }
            if record.sequence >= mark.nextSequence { Scratch.fail("a record beyond the commit mark") }
            last = record.sequence
            reader.acknowledge(record.sequence)
        }
    }
    _ = reader.pendingCount(committed: mark)
    try? reader.flush(committed: mark)
    return 0
}
