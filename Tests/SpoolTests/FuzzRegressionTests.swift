import Foundation
import Testing

@testable import Spool

/// Inputs the fuzzers found (`Fuzz/Regressions/<harness>/`), replayed with the harness's checks.
@Suite struct FuzzRegressionTests {
    static let regressions = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Regressions")

    static func inputs(_ harness: String) -> [String] {
        let directory = regressions.appendingPathComponent(harness).path
        return SpoolFiles.list(directory).map { directory + "/" + $0 }
    }

    /// FuzzSegment: `u16 LE n`, `n` bytes of acks, then the segment. Found: a copy of an older
    /// record after the newest made recovery take the older one's sequence as the last, so the
    /// next append would reuse a sequence and the reader handed out a record past the mark.
    @Test(arguments: inputs("FuzzSegment"))
    func segmentRecoveryKeepsSequencesAndTheMark(_ path: String) throws {
        let bytes = try SpoolFiles.read(path)
        let acksLength = bytes.count >= 2 ? min(bytes.count - 2, Int(bytes[0]) | Int(bytes[1]) << 8) : 0
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let directory = tmp.path + "/spool/s"
        try SpoolFiles.makeDirectory(directory)
        _ = FileManager.default.createFile(
            atPath: directory + "/00000000000000000001.seg", contents: Data(bytes[min(bytes.count, 2 + acksLength)...]))
        if acksLength > 0 {
            _ = FileManager.default.createFile(
                atPath: directory + "/00000000000000000001.acks", contents: Data(bytes[2..<2 + acksLength]))
        }
        let spool = try SinkSpool(name: "s", directory: directory, segmentBytes: 1 << 20)
        let mark = CommitMark(nextSequence: spool.nextSequence, rollbacks: 0, tailFirst: spool.tailFirst)
        let reader = try SpoolReader(sink: "s", directory: directory)
        var last: UInt64 = 0
        while case let records = try reader.next(limit: 64, committed: mark), !records.isEmpty {
            for record in records {
                #expect(record.sequence > last)
                #expect(record.sequence < mark.nextSequence)
                last = record.sequence
                reader.acknowledge(record.sequence)
            }
        }
    }
}
