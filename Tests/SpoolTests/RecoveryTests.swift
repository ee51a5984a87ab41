import Foundation
import RelayCore
import Testing

@testable import Spool

/// Invariant 6: recovery truncates only an incomplete tail record and keeps every complete one.
@Suite struct RecoveryTests {
    func segmentPath(_ data: String, sink: String) -> String {
        let directory = data + "/spool/" + sink
        return directory + "/" + SpoolFiles.list(directory).filter { $0.hasSuffix(".seg") }.last!
    }

    func appendRaw(_ bytes: [UInt8], to path: String) {
        let handle = FileHandle(forWritingAtPath: path)!
        handle.seekToEndOfFile()
        handle.write(Data(bytes))
        handle.closeFile()
    }

    @Test(arguments: [1, 5, 8, 30])
    func tornTailIsTruncatedAndCompleteRecordsKept(tornBytes: Int) async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        do {
            let (writer, _) = try openWriter(tmp.path, sinks: ["a"])
            for index in 0..<5 { _ = try await append(writer, request("evt_\(index)", sinks: ["a"])).get() }
            await writer.close()
        }
        let path = segmentPath(tmp.path, sink: "a")
        let goodLength = SpoolFiles.size(path)
        var frame: [UInt8] = []
        Frame.append(payload: request("evt_torn", sinks: ["a"]).body, to: &frame)
        appendRaw(Array(frame.prefix(tornBytes)), to: path)

        let (writer, store) = try openWriter(tmp.path, sinks: ["a"])
        #expect(writer.recovery.first { $0.sink == "a" }?.truncatedBytes == tornBytes)
        #expect(writer.recovery.first { $0.sink == "a" }?.tailRecords == 5)
        #expect(SpoolFiles.size(path) == goodLength)
        #expect(!store.contains(DedupeKey("evt_torn"), nowMillis: WallClock.nowMillis()))
        _ = try await append(writer, request("evt_after", sinks: ["a"])).get()
        await writer.close()
        let keys = try recordsOnDisk(tmp.path, sink: "a").map(\.dedupeKey)
        #expect(keys == ["evt_0", "evt_1", "evt_2", "evt_3", "evt_4", "evt_after"])
    }

    /// Found by the kill -9 soak: a crash between the writes of one commit left an event in the
    /// file sink's spool only; recovery took its key as seen, so Moda's retry was answered
    /// "duplicate" and the other sinks never got the event. A key is seen again only if its
    /// record is in as many tails as its commit wrote to (or the seen log has it).
    @Test func anEventInOnlySomeOfItsSpoolsIsNotSeenAfterACrash() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        do {
            let (writer, _) = try openWriter(tmp.path, sinks: ["a", "b"])
            _ = try await append(writer, request("evt_both", sinks: ["a", "b"])).get()
            _ = try await append(writer, request("evt_one", sinks: ["b"])).get()
            await writer.close()
        }
        // The interrupted commit: its record reached a's tail, never b's.
        var frame: [UInt8] = []
        let torn = SpoolRecord(
            sequence: 2, acceptedAtMillis: WallClock.nowMillis(), dedupeKey: "evt_torn", eventType: "task.succeeded",
            body: Array(#"{"id":"evt_torn"}"#.utf8), fanOut: 2)
        Frame.append(payload: torn.encoded(), to: &frame)
        appendRaw(frame, to: segmentPath(tmp.path, sink: "a"))
        // Power loss took the seen log's unsynced tail with it: only the spools can tell.
        try FileManager.default.removeItem(atPath: tmp.path + "/seen")
        let (writer, store) = try openWriter(tmp.path, sinks: ["a", "b"])
        let now = WallClock.nowMillis()
        #expect(store.contains(DedupeKey("evt_both"), nowMillis: now))
        #expect(store.contains(DedupeKey("evt_one"), nowMillis: now))
        #expect(!store.contains(DedupeKey("evt_torn"), nowMillis: now))
        #expect(writer.interruptedEvents == 1)
        await writer.close()
    }

    @Test func corruptLastRecordIsDroppedOthersKept() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        do {
            let (writer, _) = try openWriter(tmp.path, sinks: ["a"])
            for index in 0..<3 { _ = try await append(writer, request("evt_\(index)", sinks: ["a"])).get() }
            await writer.close()
        }
        let path = segmentPath(tmp.path, sink: "a")
        var bytes = try SpoolFiles.read(path)
        bytes[bytes.count - 3] ^= 0x55
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let (writer, _) = try openWriter(tmp.path, sinks: ["a"])
        await writer.close()
        #expect(try recordsOnDisk(tmp.path, sink: "a").map(\.dedupeKey) == ["evt_0", "evt_1"])
    }

    /// A record durable in the spool whose seen entry never made it (crash between the two
    /// syncs) is still recognised after restart: recovery re-adds keys from the tail records.
    @Test func seenSetIsRebuiltFromSpoolRecords() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        do {
            let (writer, _) = try openWriter(tmp.path, sinks: ["a"])
            _ = try await append(writer, request("evt_1", sinks: ["a"])).get()
            await writer.close()
        }
        try FileManager.default.removeItem(atPath: tmp.path + "/seen")
        let (writer, store) = try openWriter(tmp.path, sinks: ["a"])
        await writer.close()
        #expect(store.contains(DedupeKey("evt_1"), nowMillis: WallClock.nowMillis()))
    }

    @Test func seenLogSurvivesRestartAndTornTail() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        do {
            let (writer, _) = try openWriter(tmp.path, sinks: [])
            _ = try await append(writer, request("evt_unrouted", sinks: [])).get()
            await writer.close()
        }
        let seenDirectory = tmp.path + "/seen"
        let log = seenDirectory + "/" + SpoolFiles.list(seenDirectory).last!
        appendRaw([1, 2, 3], to: log)
        let (writer, store) = try openWriter(tmp.path, sinks: [])
        #expect(store.contains(DedupeKey("evt_unrouted"), nowMillis: WallClock.nowMillis()))
        _ = try await append(writer, request("evt_next", sinks: [])).get()
        await writer.close()
        let (again, reopened) = try openWriter(tmp.path, sinks: [])
        await again.close()
        #expect(reopened.contains(DedupeKey("evt_next"), nowMillis: WallClock.nowMillis()))
        #expect(reopened.count == 2)
    }

    @Test func entriesOutsideTheWindowAreNotLoaded() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let old = WallClock.nowMillis() - 10_000
        do {
            let (writer, _) = try openWriter(tmp.path, sinks: [], window: 5_000)
            _ = try await append(writer, request("evt_old", sinks: [], at: old)).get()
            await writer.close()
        }
        let (writer, store) = try openWriter(tmp.path, sinks: [], window: 5_000)
        await writer.close()
        #expect(!store.contains(DedupeKey("evt_old"), nowMillis: WallClock.nowMillis()))
    }
}
