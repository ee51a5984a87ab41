import Foundation
import RelayCore
import Synchronization
import Testing

@testable import Spool

@Suite struct SpoolReaderTests {
    func keys(_ records: [SpoolRecord]) -> [String] { records.map(\.dedupeKey) }

    @Test func readsInOrderAcrossSegmentsAndDeletesAcknowledgedOnes() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let (writer, _) = try openWriter(tmp.path, sinks: ["a"]) { $0.segmentBytes = 200 }
        for index in 1...10 { _ = try await append(writer, request("evt_\(index)", sinks: ["a"])).get() }
        let directory = tmp.path + "/spool/a"
        let segmentsBefore = SpoolFiles.list(directory).filter { $0.hasSuffix(".seg") }.count
        #expect(segmentsBefore > 3)
        let freed = Mutex(0)
        let reader = try SpoolReader(sink: "a", directory: directory) { bytes in freed.withLock { $0 += bytes } }
        let records = try reader.next(limit: 100, committed: writer.commitMark(sink: "a"))
        #expect(records.map(\.sequence) == Array(1...10))
        #expect(keys(records) == (1...10).map { "evt_\($0)" })
        #expect(try reader.next(limit: 100, committed: writer.commitMark(sink: "a")).isEmpty)
        for record in records { reader.acknowledge(record.sequence) }
        try reader.flush(committed: writer.commitMark(sink: "a"))
        // Every segment but the tail is gone; the tail stays even though fully acknowledged.
        #expect(SpoolFiles.list(directory).filter { $0.hasSuffix(".seg") }.count == 1)
        #expect(freed.withLock { $0 } > 0)
        writer.segmentsDeleted(sink: "a", bytes: freed.withLock { $0 })
        _ = try await append(writer, request("evt_11", sinks: ["a"])).get()
        #expect(writer.statistics()["a"]?.segments == SpoolFiles.list(directory).filter { $0.hasSuffix(".seg") }.count)
        #expect(keys(try reader.next(limit: 10, committed: writer.commitMark(sink: "a"))) == ["evt_11"])
        await writer.close()
    }

    /// Invariant 8 (freeing space needs no space): a delivered backlog in the tail segment is
    /// freed by starting a new tail (the spare, renamed) and deleting the old one; the old tail's
    /// keys are synced to the seen log first, and a stale request is ignored.
    @Test func aDrainedTailIsRetiredAfterItsKeysAreSyncedAndThenDeleted() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let (writer, probe) = try probedWriter(tmp.path, sinks: ["a"])
        for index in 1...5 { _ = try await append(writer, request("evt_\(index)", sinks: ["a"])).get() }
        let directory = tmp.path + "/spool/a"
        #expect(FileManager.default.fileExists(atPath: directory + "/spare-segment.unused.tmp"))
        let reader = try SpoolReader(sink: "a", directory: directory)
        let records = try reader.next(limit: 100, committed: writer.commitMark(sink: "a"))
        #expect(reader.drainedTail(committed: writer.commitMark(sink: "a")) == nil)
        for record in records.dropLast() { reader.acknowledge(record.sequence) }
        #expect(reader.drainedTail(committed: writer.commitMark(sink: "a")) == nil)
        reader.acknowledge(5)
        try reader.flush(committed: writer.commitMark(sink: "a"))
        #expect(reader.drainedTail(committed: writer.commitMark(sink: "a")) == 6)

        writer.retireTail(sink: "a", drainedThrough: 3)  // stale: ignored
        let syncsBefore = probe.syncs.withLock { $0 }
        writer.retireTail(sink: "a", drainedThrough: 6)
        _ = try await append(writer, request("evt_barrier", sinks: [])).get()  // the writer has handled both
        #expect(probe.syncs.withLock { $0 } == syncsBefore + 1)
        let segments = { SpoolFiles.list(directory).filter { $0.hasSuffix(".seg") } }
        #expect(segments() == ["00000000000000000001.seg", "00000000000000000006.seg"])
        #expect(!FileManager.default.fileExists(atPath: directory + "/spare-segment.unused.tmp"))
        try reader.flush(committed: writer.commitMark(sink: "a"))
        #expect(segments() == ["00000000000000000006.seg"])
        _ = try await append(writer, request("evt_6", sinks: ["a"])).get()
        #expect(FileManager.default.fileExists(atPath: directory + "/spare-segment.unused.tmp"))
        #expect(try reader.next(limit: 10, committed: writer.commitMark(sink: "a")).map(\.sequence) == [6])
        await writer.close()

        // After a restart the sequence continues and the retired records' keys are still seen.
        let (reopened, store) = try openWriter(tmp.path, sinks: ["a"])
        _ = try await append(reopened, request("evt_7", sinks: ["a"])).get()
        await reopened.close()
        #expect(try recordsOnDisk(tmp.path, sink: "a").map(\.sequence) == [6, 7])
        for index in 1...5 {
            #expect(store.contains(DedupeKey("evt_\(index)"), nowMillis: WallClock.nowMillis()))
        }
    }

    @Test func aRestartedReaderSkipsAcknowledgedRecords() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let (writer, _) = try openWriter(tmp.path, sinks: ["a"])
        for index in 1...6 { _ = try await append(writer, request("evt_\(index)", sinks: ["a"])).get() }
        let directory = tmp.path + "/spool/a"
        do {
            let reader = try SpoolReader(sink: "a", directory: directory)
            for record in try reader.next(limit: 100, committed: writer.commitMark(sink: "a"))
            where record.sequence % 2 == 1 {
                reader.acknowledge(record.sequence)
            }
            reader.acknowledge(6)
            try reader.flush(committed: writer.commitMark(sink: "a"))
            reader.acknowledge(4)  // never flushed: as after a crash, delivered again
        }
        let reopened = try SpoolReader(sink: "a", directory: directory)
        #expect(keys(try reopened.next(limit: 100, committed: writer.commitMark(sink: "a"))) == ["evt_2", "evt_4"])
        await writer.close()
    }

    @Test func readsTheTailAsItIsCommittedAndStopsAtTheMark() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let (writer, _) = try openWriter(tmp.path, sinks: ["a"])
        let reader = try SpoolReader(sink: "a", directory: tmp.path + "/spool/a")
        #expect(try reader.next(limit: 10, committed: writer.commitMark(sink: "a")).isEmpty)
        for index in 1...3 { _ = try await append(writer, request("evt_\(index)", sinks: ["a"])).get() }
        #expect(keys(try reader.next(limit: 2, committed: writer.commitMark(sink: "a"))) == ["evt_1", "evt_2"])
        // A mark behind what is on disk holds the reader back.
        #expect(try reader.next(limit: 10, committed: CommitMark(nextSequence: 3, rollbacks: 0)).isEmpty)
        #expect(keys(try reader.next(limit: 10, committed: writer.commitMark(sink: "a"))) == ["evt_3"])
        for index in 4...5 { _ = try await append(writer, request("evt_\(index)", sinks: ["a"])).get() }
        #expect(keys(try reader.next(limit: 10, committed: writer.commitMark(sink: "a"))) == ["evt_4", "evt_5"])
        await writer.close()
    }

    /// A batch the writer rolled back may have been read ahead; when the rollback generation
    /// changes the reader must re-read from the file, not hand out the stale frame.
    @Test func readAheadOfARolledBackBatchIsDropped() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let directory = tmp.path + "/spool/a"
        try SpoolFiles.makeDirectory(directory)
        let path = directory + "/00000000000000000001.seg"
        func frame(_ sequence: UInt64, _ key: String) -> [UInt8] {
            var out: [UInt8] = []
            let record = SpoolRecord(
                sequence: sequence, acceptedAtMillis: 1, dedupeKey: key, eventType: "t", body: Array("{}".utf8))
            Frame.append(payload: record.encoded(), to: &out)
            return out
        }
        let first = SpoolFormat.segmentMagic + frame(1, "evt_1")
        try Data(first + frame(2, "evt_rolled_back")).write(to: URL(fileURLWithPath: path))
        let reader = try SpoolReader(sink: "a", directory: directory)
        #expect(keys(try reader.next(limit: 1, committed: CommitMark(nextSequence: 2, rollbacks: 0))) == ["evt_1"])
        // The writer rolls the second batch back and commits a different record 2.
        try Data(first + frame(2, "evt_committed")).write(to: URL(fileURLWithPath: path))
        #expect(
            keys(try reader.next(limit: 1, committed: CommitMark(nextSequence: 3, rollbacks: 1))) == ["evt_committed"])
    }

    @Test func deletedSegmentsFreeTheSpoolCap() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let (writer, _) = try openWriter(tmp.path, sinks: ["a"]) {
            $0.segmentBytes = 150
            $0.maxSpoolBytes = 700
        }
        var accepted = 0
        while case .success = await append(writer, request("evt_\(accepted)", sinks: ["a"])) { accepted += 1 }
        #expect(accepted >= 3)
        let reader = try SpoolReader(sink: "a", directory: tmp.path + "/spool/a") {
            writer.segmentsDeleted(sink: "a", bytes: $0)
        }
        for record in try reader.next(limit: 100, committed: writer.commitMark(sink: "a")) {
            reader.acknowledge(record.sequence)
        }
        try reader.flush(committed: writer.commitMark(sink: "a"))
        #expect(try await append(writer, request("evt_after", sinks: ["a"])).get() == ())
        await writer.close()
    }
}
