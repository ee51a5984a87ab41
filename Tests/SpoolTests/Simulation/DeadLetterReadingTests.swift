import SimulatedDisk
import Spool
import Testing

/// Finding 7: listing dead letters reads bodies only when asked, never the bodies of earlier
/// deaths, and no more bytes than its budget, whatever the page's length.
@Suite struct DeadLetterReadingTests {
    let disk = SimulatedDisk()

    init() { disk.prepareDirectory("/data") }

    /// 20 events, each dead three times (two replays), with 1 MiB bodies: 60 MiB of letters.
    func log() throws -> DeadLetterLog {
        let log = try DeadLetterLog(directory: "/data/dead", sink: "s", fileSystem: disk)
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        var sequence: UInt64 = 0
        for death in 0..<3 {
            for event in 0..<20 {
                sequence += 1
                let key = "evt_\(event)"
                try log.append([
                    DeadLetter(
                        sink: "s", sequence: sequence, dedupeKey: key, eventType: "task.failed", acceptedAtMillis: 1,
                        deadAtMillis: Int64(death * 100 + event), attempts: 1, lastStatus: 400, lastError: "",
                        responseExcerpt: "bad request", reason: "permanent failure: HTTP 400", body: body)
                ])
                if death < 2 {
                    let live = try #require(try log.entries(log.select(.init(ids: [key])), bodies: false)?.first)
                    try log.markReplayed([key: live.unreplayed], atMillis: 1)
                }
            }
        }
        return log
    }

    @Test func aPageWithoutBodiesReadsNoBody() throws {
        let log = try log()
        let before = disk.bytesRead
        let entries = try #require(try log.entries(log.select(.init()), bodies: false))
        let read = disk.bytesRead - before
        #expect(entries.count == 20)
        #expect(entries.allSatisfy { $0.history.count == 2 && $0.letter.body.isEmpty })
        #expect(entries.allSatisfy { $0.letter.bodyBytes == 1 << 20 && $0.history.allSatisfy(\.body.isEmpty) })
        #expect(read < 2 << 20, "read \(read) bytes for a page of metadata")
    }

    @Test func bodiesAreTheNewestOnlyAndStopAtTheBudget() throws {
        let log = try log()
        let before = disk.bytesRead
        let entries = try #require(try log.entries(log.select(.init()), bodies: true, byteBudget: 4 << 20))
        let read = disk.bytesRead - before
        #expect(entries.count == 3)
        #expect(entries.allSatisfy { $0.letter.body.count == 1 << 20 && $0.history.allSatisfy(\.body.isEmpty) })
        #expect(read < 5 << 20, "read \(read) bytes")
        // At least one entry, however large.
        #expect(try log.entries(log.select(.init()), bodies: true, byteBudget: 1)?.count == 1)
    }
}
