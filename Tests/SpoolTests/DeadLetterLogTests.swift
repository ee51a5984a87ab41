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
        #expect(try log.liveEntries().map(\.letter.sequence).sorted() == [1, 2])

        let chosen = try log.liveEntries().first { $0.letter.dedupeKey == "evt_1" }!
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
        let entries = try reopened.liveEntries()
        #expect(entries.map(\.letter.sequence) == [9, 2])  // newest death first
        #expect(entries[0].history.map(\.sequence) == [1])
        #expect(entries[1].history.isEmpty)
        #expect(try reopened.readAll().count == 3)
        #expect(
            ReplayMark(decoding: ReplayMark(letter: again.id, dedupeKey: "evt_1", replayedAtMillis: 5).encoded()[...])?
                .dedupeKey == "evt_1")
    }
}
