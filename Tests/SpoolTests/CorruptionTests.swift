import Foundation
import RelayCore
import Synchronization
import Testing

@testable import Spool

/// Invariant 6: only a real torn tail is truncated; corruption in the middle of a file is kept,
/// skipped (the frames after it are read) and reported.
@Suite struct CorruptionTests {
    func segments(_ data: String, _ sink: String) -> [String] {
        let directory = data + "/spool/" + sink
        return SpoolFiles.list(directory).filter { $0.hasSuffix(".seg") }.map { directory + "/" + $0 }
    }

    /// Every record the segment files hold, read the way recovery reads them.
    func readable(_ data: String, _ sink: String) throws -> [UInt64] {
        var sequences: [UInt64] = []
        for path in segments(data, sink) {
            let first = UInt64(URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)!
            let reader = try SegmentReader(path: path, firstSequence: first)
            loop: while true {
                switch try reader.next(settled: true) {
                case .record(let record): sequences.append(record.sequence)
                case .corrupt: continue
                case .end: break loop
                }
            }
        }
        return sequences
    }

    /// A spool `a` with records 1...count, written and closed; the path of its segment.
    func spoolWithRecords(_ count: Int, in tmp: TemporaryDirectory) async throws -> String {
        let (writer, _) = try openWriter(tmp.path, sinks: ["a"])
        for index in 1...count { _ = try await append(writer, request("evt_\(index)", sinks: ["a"])).get() }
        await writer.close()
        return segments(tmp.path, "a")[0]
    }

    /// Appends `bytes` to the file at `path`.
    func appendRaw(_ bytes: [UInt8], to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(bytes))
        handle.closeFile()
    }

    /// Flips a bit `delta` bytes into the payload of frame number `index` of a segment.
    func flip(in path: String, frame index: Int, at delta: Int = 20) throws {
        var bytes = try SpoolFiles.read(path)
        var offset = SpoolFormat.segmentMagic.count
        for _ in 0..<index { offset += 8 + Int(ByteReader.uint32(bytes, at: offset)) }
        bytes[offset + 8 + delta] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func aFlippedBitInTheMiddleOfTheTailKeepsEveryLaterRecord() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let path = try await spoolWithRecords(10, in: tmp)
        try flip(in: path, frame: 3)
        let size = SpoolFiles.size(path)
        let integrity = SpoolIntegrity()
        let (writer, store) = try openWriter(tmp.path, sinks: ["a"]) { $0.integrity = integrity }
        #expect(SpoolFiles.size(path) == size, "recovery must not truncate a corrupt middle")
        #expect(writer.recovery.first?.tailRecords == 9)
        #expect(store.contains(DedupeKey("evt_10"), nowMillis: WallClock.nowMillis()))
        let damage = integrity.recentDamage
        #expect(damage.count == 1 && damage[0].kind == .corrupt && damage[0].fileKind == "segment")
        _ = try await append(writer, request("evt_11", sinks: ["a"])).get()
        #expect(try readable(tmp.path, "a") == [1, 2, 3, 5, 6, 7, 8, 9, 10, 11])

        // The reader delivers around the damage, writes off the lost record and reports it.
        let readerIntegrity = SpoolIntegrity()
        let reader = try SpoolReader(sink: "a", directory: tmp.path + "/spool/a", integrity: readerIntegrity)
        let records = try reader.next(limit: 100, committed: writer.commitMark(sink: "a"))
        #expect(records.map(\.sequence) == [1, 2, 3, 5, 6, 7, 8, 9, 10, 11])
        #expect(readerIntegrity.recentDamage.map(\.kind) == [.corrupt, .lostRecords])
        #expect(readerIntegrity.recentDamage.last?.range == 4..<5)
        for record in records { reader.acknowledge(record.sequence) }
        #expect(reader.pendingCount(committed: writer.commitMark(sink: "a")) == 0)
        await writer.close()
    }

    @Test func aCorruptSegmentBehindTheTailIsSkippedAndStillDeleted() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let (writer, _) = try openWriter(tmp.path, sinks: ["a"]) { $0.segmentBytes = 300 }
        for index in 1...12 { _ = try await append(writer, request("evt_\(index)", sinks: ["a"])).get() }
        let files = segments(tmp.path, "a")
        #expect(files.count >= 3)
        try flip(in: files[0], frame: 1)
        let integrity = SpoolIntegrity()
        let reader = try SpoolReader(sink: "a", directory: tmp.path + "/spool/a", integrity: integrity)
        let records = try reader.next(limit: 100, committed: writer.commitMark(sink: "a"))
        #expect(records.map(\.sequence) == [1] + Array(3...12))
        #expect(integrity.recentDamage.map(\.kind) == [.corrupt, .lostRecords])
        for record in records { reader.acknowledge(record.sequence) }
        try reader.flush(committed: writer.commitMark(sink: "a"))
        #expect(segments(tmp.path, "a").count == 1, "the damaged segment is fully accounted for and deleted")
        await writer.close()
    }

    @Test func aBadFrameFollowedByZerosIsATornTail() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let path = try await spoolWithRecords(3, in: tmp)
        let good = SpoolFiles.size(path)
        // A frame header that promises 40 bytes, half of them, then zeros (a power cut mid-write).
        var tail: [UInt8] = [40, 0, 0, 0, 1, 2, 3, 4] + Array(repeating: 0x55, count: 20)
        tail += Array(repeating: 0, count: 4096)
        try appendRaw(tail, to: path)
        let integrity = SpoolIntegrity()
        let (writer, _) = try openWriter(tmp.path, sinks: ["a"]) { $0.integrity = integrity }
        #expect(SpoolFiles.size(path) == good)
        #expect(integrity.recentDamage.isEmpty)
        #expect(writer.recovery.first?.truncatedBytes == tail.count)
        await writer.close()
    }

    @Test func garbageThatIsNotZeroAfterABadFrameIsKeptAndReported() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let path = try await spoolWithRecords(3, in: tmp)
        try flip(in: path, frame: 2)  // the last record: bad, followed by nothing
        try appendRaw(Array("not a frame, and not zeros either".utf8), to: path)
        let size = SpoolFiles.size(path)
        let integrity = SpoolIntegrity()
        let (writer, _) = try openWriter(tmp.path, sinks: ["a"]) { $0.integrity = integrity }
        #expect(SpoolFiles.size(path) == size)
        #expect(integrity.recentDamage.map(\.kind) == [.corrupt])
        _ = try await append(writer, request("evt_4", sinks: ["a"])).get()
        await writer.close()
        // Sequence 3 and any that fit in the garbage are never given again (3 may be acknowledged).
        let sequences = try readable(tmp.path, "a")
        #expect(sequences.prefix(2) == [1, 2] && sequences.count == 3 && sequences[2] > 3)
    }

    @Test func aBadSeenLogHeaderOrEntryDoesNotLoseTheOtherEntries() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let now = WallClock.nowMillis()
        let keys = (0..<50).map { DedupeKey("evt_\($0)") }
        do {
            let log = try SeenLog(directory: tmp.path + "/seen", windowMillis: 86_400_000)
            try log.append(keys.map { SeenEntry(key: $0, acceptedAtMillis: now) }, nowMillis: now)
        }
        let path = tmp.path + "/seen/" + SpoolFiles.list(tmp.path + "/seen")[0]
        var bytes = try SpoolFiles.read(path)
        bytes[2] ^= 0xFF  // the header
        bytes[8 + 32 * 10 + 12] ^= 0x01  // entry 10
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let integrity = SpoolIntegrity()
        let store = try LocalDedupeStore(
            directory: tmp.path + "/seen", windowMillis: 86_400_000, nowMillis: now, integrity: integrity)
        #expect(SpoolFiles.size(path) == bytes.count, "never zeroed or truncated")
        let found = keys.filter { store.contains($0, nowMillis: now) }.count
        #expect(found == 49)
        #expect(integrity.recentDamage.count == 2)
    }

    @Test func corruptAcksAndDeadLettersKeepWhatFollows() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        // Acks: frames of 8 bytes; damage the third, the rest still count.
        let directory = tmp.path + "/spool/a"
        try SpoolFiles.makeDirectory(directory)
        _ = FileManager.default.createFile(
            atPath: directory + "/00000000000000000001.seg", contents: Data(SpoolFormat.segmentMagic))
        var acks: [UInt8] = []
        for sequence in 1...6 as ClosedRange<UInt64> {
            var payload: [UInt8] = []
            ByteWriter.appendUInt64(sequence, to: &payload)
            Frame.append(payload: payload, to: &acks)
        }
        acks[16 * 2 + 9] ^= 0x10
        _ = FileManager.default.createFile(atPath: directory + "/00000000000000000001.acks", contents: Data(acks))
        let integrity = SpoolIntegrity()
        let reader = try SpoolReader(sink: "a", directory: directory, integrity: integrity)
        #expect(reader.pendingCount(committed: CommitMark(nextSequence: 7, rollbacks: 0)) == 1)
        #expect(integrity.recentDamage.map(\.fileKind) == ["acks"])

        let dead = tmp.path + "/dead"
        do {
            let log = try DeadLetterLog(directory: dead, sink: "s")
            for sequence in 1...5 as ClosedRange<UInt64> { try log.append([DeadLetterLogTests().letter(sequence)]) }
        }
        var bytes = try SpoolFiles.read(dead + "/s.dead")
        let first = 8 + Int(ByteReader.uint32(bytes, at: 0))
        bytes[first + 8 + 40] ^= 0x01  // inside the second letter
        try Data(bytes).write(to: URL(fileURLWithPath: dead + "/s.dead"))
        let deadIntegrity = SpoolIntegrity()
        let reopened = try DeadLetterLog(directory: dead, sink: "s", integrity: deadIntegrity)
        #expect(try reopened.readAll().map(\.sequence) == [1, 3, 4, 5])
        #expect(deadIntegrity.recentDamage.map(\.fileKind) == ["dead letters"])
        #expect(SpoolFiles.size(dead + "/s.dead") == bytes.count)
    }
}
