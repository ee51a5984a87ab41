import Foundation
import Testing

@testable import RelayDispatch

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
}
