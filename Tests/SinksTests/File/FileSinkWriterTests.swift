import Foundation
import Spool
import Synchronization
import Testing

@testable import Sinks

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct FileSinkWriterTests {
    func tempPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent(
            "file-sink-\(UUID().uuidString)/audit/events.jsonl"
        ).path
    }

    func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func oneLinePerEventEvenForPrettyPrintedJSON() throws {
        let path = tempPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let writer = try FileSinkWriter(path: path, maxBytes: 1 << 20, keep: 3)
        let pretty = "{\n  \"id\": \"evt_1\",\r\n  \"data\": {\"text\": \"a\\nb\"}\n}"
        try writer.append([Array(pretty.utf8), Array(#"{"id":"evt_2"}"#.utf8)])
        let written = lines(path)
        #expect(written.count == 2)
        let first = try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: Any]
        #expect(first?["id"] as? String == "evt_1")
        #expect((first?["data"] as? [String: String])?["text"] == "a\nb")
        #expect(written[1] == #"{"id":"evt_2"}"#)
        // Reopening appends.
        try FileSinkWriter(path: path, maxBytes: 1 << 20, keep: 3).append([Array(#"{"id":"evt_3"}"#.utf8)])
        #expect(lines(path).count == 3)
    }

    @Test func rotatesBySizeKeepingTheNewestFiles() throws {
        let path = tempPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let writer = try FileSinkWriter(path: path, maxBytes: 40, keep: 2)
        // Lines are 15 bytes, so two fit in 40.
        for index in 0..<10 { try writer.append([Array(#"{"id":"evt_\#(index)"}"#.utf8)]) }
        #expect(lines(path) == [#"{"id":"evt_8"}"#, #"{"id":"evt_9"}"#])
        #expect(lines(path + ".1") == [#"{"id":"evt_6"}"#, #"{"id":"evt_7"}"#])
        #expect(lines(path + ".2") == [#"{"id":"evt_4"}"#, #"{"id":"evt_5"}"#])
        #expect(!FileManager.default.fileExists(atPath: path + ".3"))
    }

    /// Hardening finding 12: with a cached offset, logrotate's copytruncate left the file with a
    /// hole of NUL bytes up to the old offset, and the next line behind it.
    @Test func copytruncateAndASecondWriterNeverLeaveHolesOrTornLines() throws {
        let path = tempPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let writer = try FileSinkWriter(path: path, maxBytes: 1 << 20, keep: 1)
        try writer.append((0..<5).map { Array(#"{"id":"evt_\#($0)"}"#.utf8) })
        // logrotate copytruncate: copy away, then truncate in place.
        #expect(truncate(path, 0) == 0)
        try writer.append([Array(#"{"id":"evt_after"}"#.utf8)])
        let bytes = try #require(FileManager.default.contents(atPath: path))
        #expect(!bytes.contains(0))
        #expect(lines(path) == [#"{"id":"evt_after"}"#])
        // Another writer on the same file: lines interleave whole.
        let other = try FileSinkWriter(path: path, maxBytes: 1 << 20, keep: 1)
        for index in 0..<20 {
            try (index % 2 == 0 ? writer : other).append([Array(#"{"id":"evt_w\#(index)"}"#.utf8)])
        }
        #expect(lines(path).count == 21)
        #expect(lines(path).allSatisfy { $0.hasPrefix(#"{"id":"evt_"#) && $0.hasSuffix(#""}"#) })
    }

    /// A failed sync is rolled back: the lines are gone again, so the retry leaves one copy.
    @Test func aFailedSyncRollsTheBatchBack() throws {
        let path = tempPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let failNext = Mutex(false)
        let writer = try FileSinkWriter(path: path, maxBytes: 1 << 20, keep: 1) { fd in
            if failNext.withLock({ $0 }) {
                errno = EIO
                return -1
            }
            return fdatasync(fd)
        }
        try writer.append([Array(#"{"id":"evt_1"}"#.utf8)])
        failNext.withLock { $0 = true }
        #expect(throws: SpoolError.self) { try writer.append([Array(#"{"id":"evt_2"}"#.utf8)]) }
        #expect(lines(path) == [#"{"id":"evt_1"}"#])
        failNext.withLock { $0 = false }
        try writer.append([Array(#"{"id":"evt_2"}"#.utf8)])
        #expect(lines(path) == [#"{"id":"evt_1"}"#, #"{"id":"evt_2"}"#])
    }
}
