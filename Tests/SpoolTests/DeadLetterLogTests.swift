import Foundation
import Testing

@testable import Spool

@Suite struct DeadLetterLogTests {
    func letter(_ sequence: UInt64, status: Int? = 400, reason: String = "permanent failure: HTTP 400") -> DeadLetter {
        DeadLetter(
            sink: "slack", sequence: sequence, dedupeKey: "evt_\(sequence)", eventType: "task.failed",
            acceptedAtMillis: 1_760_000_000_000, deadAtMillis: 1_760_000_060_000, attempts: 3, lastStatus: status,
            lastError: status == nil ? "timeout: after 10s" : "", responseExcerpt: String(repeating: "e", count: 3000),
            reason: reason, body: Array(#"{"id":"evt_\#(sequence)","type":"task.failed"}"#.utf8))
    }

    func live(_ log: DeadLetterLog) throws -> [DeadLetterLog.Entry] {
        try log.page(.init(), offset: 0, limit: 1000).entries
    }

    @Test func roundTripsEveryFieldAndCapsTheExcerpt() {
        let original = letter(1)
        #expect(original.responseExcerpt.utf8.count == 2048)
        #expect(DeadLetter(decoding: original.encoded()[...]) == original)
        let noAnswer = letter(2, status: nil, reason: "gave up after 12 attempts; last: timeout")
        #expect(DeadLetter(decoding: noAnswer.encoded()[...]) == noAnswer)
        #expect(DeadLetter(decoding: noAnswer.encoded().dropLast()) == nil)
    }

    @Test func survivesReopenAndATornTail() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let directory = tmp.path + "/dead"
        do {
            let log = try DeadLetterLog(directory: directory, sink: "slack")
            try log.append([letter(1), letter(2, status: nil)])
            try log.append([letter(3)])
        }
        let handle = FileHandle(forWritingAtPath: directory + "/slack.dead")!
        handle.seekToEndOfFile()
        handle.write(Data(Array(letter(4).encoded().prefix(40))))
        handle.closeFile()
        let reopened = try DeadLetterLog(directory: directory, sink: "slack")
        #expect(try reopened.readAll().map(\.sequence) == [1, 2, 3])
        try reopened.append([letter(5)])
        #expect(try reopened.readAll() == [letter(1), letter(2, status: nil), letter(3), letter(5)])
    }

    @Test func replayMarksHideLettersAndALaterDeathCarriesHistory() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let directory = tmp.path + "/dead"
        let log = try DeadLetterLog(directory: directory, sink: "slack")
        try log.append([letter(1), letter(2)])
        #expect(log.liveCount == 2)
        #expect(try live(log).map(\.letter.sequence).sorted() == [1, 2])

        let chosen = try live(log).first { $0.letter.dedupeKey == "evt_1" }!
        #expect(chosen.unreplayed == [letter(1).id])

        // evt_1 is re-enqueued as sequence 9 and dies again before its replay is marked:
        // the mark names only the letter that was chosen, so the new death stays listed.
        var again = letter(9, reason: "gave up after 2 attempts")
        again.dedupeKey = "evt_1"
        again.deadAtMillis += 60_000
        try log.append([again])
        try log.markReplayed(["evt_1": chosen.unreplayed, "evt_unknown": []], atMillis: 1_760_000_070_000)
        #expect(log.liveCount == 2)
        let reopened = try DeadLetterLog(directory: directory, sink: "slack")
        #expect(reopened.liveCount == 2)
        let entries = try live(reopened)
        #expect(entries.map(\.letter.sequence) == [9, 2])  // newest death first
        #expect(entries[0].history.map(\.sequence) == [1])
        #expect(entries[1].history.isEmpty)
        #expect(try reopened.readAll().count == 3)
        #expect(
            ReplayMark(decoding: ReplayMark(letter: again.id, dedupeKey: "evt_1", replayedAtMillis: 5).encoded()[...])?
                .dedupeKey == "evt_1")
    }

    func letter(_ sequence: UInt64, key: String, deadAt: Int64, bodyBytes: Int = 40) -> DeadLetter {
        var letter = letter(sequence)
        letter.dedupeKey = key
        letter.deadAtMillis = deadAt
        letter.responseExcerpt = "bad request"
        letter.body = Array(
            #"{"id":"\#(key)","type":"task.failed","p":"\#(String(repeating: "x", count: bodyBytes))"}"#.utf8)
        return letter
    }

    /// Hardening finding 9: pages are read back from the file one page at a time.
    @Test func pagesAreNewestFirstWithATotalAndIdAndTimeFilters() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let log = try DeadLetterLog(directory: tmp.path + "/dead", sink: "s")
        for index in 0..<50 {
            try log.append([
                letter(UInt64(index + 1), key: "evt_\(index)", deadAt: 1_760_000_000_000 + Int64(index) * 1000)
            ])
        }
        let page = try log.page(.init(), offset: 10, limit: 5)
        #expect(page.count == 50)
        #expect(page.entries.map(\.letter.dedupeKey) == (35...39).reversed().map { "evt_\($0)" })
        let bounded = try log.page(
            .init(sinceMillis: 1_760_000_040_000, untilMillis: 1_760_000_044_000), offset: 0, limit: 100)
        #expect(bounded.entries.map(\.letter.dedupeKey) == (40...44).reversed().map { "evt_\($0)" })
        let chosen = log.select(.init(sinceMillis: 1_760_000_040_000, ids: ["evt_3", "evt_45", "evt_nope"]))
        #expect(chosen.count == 1)
        #expect(chosen.notFound == ["evt_3", "evt_nope"])
        #expect(try log.page(.init(), offset: 60, limit: 5).entries.isEmpty)
    }

    /// Listing walks the file backwards and sorts what is out of place: deaths appended while the
    /// wall clock stepped back still list newest death first (ties: the later letter first), an
    /// event that died again lists once, at its newest death, and an event whose newest letter is
    /// replayed is not listed even though an older letter of it is unmarked.
    @Test func listingIsNewestDeathFirstWhenTheClockSteppedBack() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let log = try DeadLetterLog(directory: tmp.path + "/dead", sink: "s")
        let base: Int64 = 1_760_000_000_000
        let deaths: [(String, Int64)] = [
            ("evt_a", 5000), ("evt_b", 9000), ("evt_c", 1000), ("evt_d", 9000), ("evt_a", 3000), ("evt_e", 7000),
        ]
        for (index, (key, at)) in deaths.enumerated() {
            try log.append([letter(UInt64(index + 1), key: key, deadAt: base + at)])
        }
        let listed = try log.page(.init(), offset: 0, limit: 100).entries.map(\.letter.dedupeKey)
        #expect(listed == ["evt_d", "evt_b", "evt_e", "evt_a", "evt_c"])
        let chosen = log.select(.init(ids: ["evt_c", "evt_b", "evt_a"]), times: 3)
        #expect(chosen.deadAtMillis == [base + 9000, base + 3000, base + 1000])
        let bounded = try log.page(.init(sinceMillis: base + 4000), offset: 0, limit: 100)
        #expect(bounded.entries.map(\.letter.dedupeKey) == ["evt_d", "evt_b", "evt_e"])

        // Replay evt_a's newest letter only: the event is no longer live.
        let newest = try log.page(.init(ids: ["evt_a"]), offset: 0, limit: 1).entries[0].letter
        try log.markReplayed(["evt_a": [newest.id]], atMillis: base + 10_000)
        #expect(
            try log.page(.init(), offset: 0, limit: 100).entries.map(\.letter.dedupeKey) == [
                "evt_d", "evt_b", "evt_e", "evt_c",
            ])
    }

    /// Replayed letters are compacted away; live ones keep their bodies and history, across a
    /// reopen; an interrupted compaction leaves the old file whole.
    @Test func compactionDropsReplayedEventsAndKeepsLiveOnesWithHistory() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let directory = tmp.path + "/dead"
        let log = try DeadLetterLog(directory: directory, sink: "s")
        let start: Int64 = 1_760_000_000_000
        for batch in stride(from: 0, to: 3000, by: 300) {
            try log.append(
                (batch..<batch + 300).map {
                    letter(UInt64($0 + 1), key: "evt_\($0)", deadAt: start + Int64($0), bodyBytes: 900)
                })
        }
        // evt_0 is replayed and dies again: one live event with one earlier death.
        let first = try #require(try log.entries(log.select(.init(ids: ["evt_0"]))))
        try log.markReplayed(["evt_0": first[0].unreplayed], atMillis: start + 5000)
        try log.append([letter(5000, key: "evt_0", deadAt: start + 6000, bodyBytes: 900)])
        #expect(try log.compactIfWorthwhile() == 0, "nothing worth compacting yet")
        // Everything else but the last nine is replayed.
        var replayed: [String: Set<DeadLetter.ID>] = [:]
        let all = log.select(.init(untilMillis: start + 2990))
        for entry in try #require(try log.entries(all)) where entry.letter.dedupeKey != "evt_0" {
            replayed[entry.letter.dedupeKey] = entry.unreplayed
        }
        try log.markReplayed(replayed, atMillis: start + 7000)
        #expect(log.liveCount == 10)
        let before = SpoolFiles.size(log.path)
        let freed = try log.compactIfWorthwhile()
        #expect(freed > before / 2)
        #expect(SpoolFiles.size(log.path) == before - freed)
        let check = { (log: DeadLetterLog) throws in
            #expect(log.liveCount == 10)
            let live = try log.page(.init(), offset: 0, limit: 100).entries
            #expect(live.map(\.letter.dedupeKey) == ["evt_0"] + (2991...2999).reversed().map { "evt_\($0)" })
            #expect(live[0].history.map(\.sequence) == [1] && live[0].letter.sequence == 5000)
            #expect(live[0].unreplayed == [live[0].letter.id])
            #expect(live.allSatisfy { $0.letter.body.count > 900 })
        }
        try check(log)
        // A compaction that a crash interrupted left its new file behind: it is ignored.
        _ = FileManager.default.createFile(atPath: log.path + ".compacting", contents: Data([1, 2, 3]))
        let reopened = try DeadLetterLog(directory: directory, sink: "s")
        #expect(!FileManager.default.fileExists(atPath: log.path + ".compacting"))
        try check(reopened)
    }
}
