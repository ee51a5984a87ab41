import Backfill
import Foundation
import RelayCore
import Testing

@Suite struct BackfillLedgerTests {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)").path
    func request(_ id: String, at millis: Int64) -> RequestedRedelivery {
        RequestedRedelivery(
            deliveryID: id, eventType: "task.succeeded", createdAtMillis: 1_000, requestedAtMillis: millis)
    }

    @Test func requestsAndTheWatermarkSurviveAndATornLineIsIgnored() async throws {
        let ledger = BackfillLedger(dataDirectory: data)
        try await ledger.exclusively(nowMillis: 0) { state in
            try await state.record(request("whd_1", at: 5_000))
            try await state.setWatermark(9_000)
        }
        // A line cut short by a crash while it was written (never synced, so nobody relied on it).
        let handle = try #require(FileHandle(forWritingAtPath: data + "/backfill/ledger"))
        handle.seekToEndOfFile()
        handle.write(Data("R\twhd_2\ttask.succeeded\t1000\t60".utf8))
        try handle.close()
        try await ledger.exclusively(nowMillis: 0) { state in
            #expect(state.isRequested("whd_1") && !state.isRequested("whd_2"))
            #expect(state.watermarkMillis == 9_000)
        }
        #expect(try ledger.requested(sinceMillis: 5_000).map(\.deliveryID) == ["whd_1"])
        #expect(try ledger.requested(sinceMillis: 5_001).isEmpty)
        try? FileManager.default.removeItem(atPath: data)
    }

    @Test func aSecondRunWaitsForTheFirst() async throws {
        let ledger = BackfillLedger(dataDirectory: data)
        let (entered, enter) = AsyncStream<Void>.makeStream()
        let (release, releaser) = AsyncStream<Void>.makeStream()
        let first = Task {
            try await ledger.exclusively(nowMillis: 0) { state in
                enter.yield()
                for await _ in release { break }
                try await state.record(request("whd_1", at: 1))
            }
        }
        for await _ in entered { break }
        let waited = WaitFlag()
        let second = Task {
            try await ledger.exclusively(nowMillis: 0, waiting: { waited.set() }) { state in state.isRequested("whd_1")
            }
        }
        while !waited.isSet { try await Task.sleep(for: .milliseconds(10)) }
        releaser.yield()
        try await first.value
        #expect(try await second.value, "the second run saw the first one's request")
        try? FileManager.default.removeItem(atPath: data)
    }

    @Test func aBigLedgerIsCompactedToItsLastThirtyDays() async throws {
        let ledger = BackfillLedger(dataDirectory: data)
        let day: Int64 = 86_400_000
        try await ledger.exclusively(nowMillis: 0) { state in
            let padding = String(repeating: "x", count: 200)
            for index in 0..<20_000 {
                try await state.record(
                    RequestedRedelivery(
                        deliveryID: "whd_\(index)", eventType: "t\(padding)", createdAtMillis: 0,
                        requestedAtMillis: index < 19_990 ? 0 : 40 * day))
            }
            try await state.setWatermark(40 * day)
        }
        try await ledger.exclusively(nowMillis: 41 * day) { state in
            #expect(state.isRequested("whd_19995") && !state.isRequested("whd_5"))
            #expect(state.watermarkMillis == 40 * day)
        }
        let size = try #require(
            try FileManager.default.attributesOfItem(atPath: data + "/backfill/ledger")[.size] as? Int)
        #expect(size < 10_000)
        try? FileManager.default.removeItem(atPath: data)
    }
}

final class WaitFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
