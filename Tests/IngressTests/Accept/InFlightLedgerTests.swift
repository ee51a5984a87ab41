import Foundation
import RelayCore
import Spool
import Synchronization
import Testing

@testable import Ingress

/// Invariant 3 at its source: copies that arrive while the original commits wait for it and get
/// its result; none is answered before the original finishes.
@Suite struct InFlightLedgerTests {
    let now: Int64 = 1_760_000_000_000
    let key = DedupeKey(high: 7, low: 9)

    func ledger() throws -> (InFlightLedger, LocalDedupeStore, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID())").path
        let store = try LocalDedupeStore(directory: directory, windowMillis: 86_400_000, nowMillis: now)
        return (InFlightLedger(dedupe: store), store, directory)
    }

    @Test func copiesWaitForTheOriginalAndGetItsSuccessAsDuplicates() throws {
        let (ledger, store, directory) = try ledger()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let answers = Mutex<[Result<Void, SpoolError>]>([])
        #expect(ledger.admit(key, nowMillis: now) { { _ in Issue.record("the original never waits") } } == .proceed)
        for _ in 0..<3 {
            let admission = ledger.admit(key, nowMillis: now) { { result in answers.withLock { $0.append(result) } } }
            #expect(admission == .waiting)
        }
        // Nothing is answered while the original commits.
        #expect(answers.withLock { $0.isEmpty })
        #expect(ledger.count == 1)
        // The writer marks the key seen before it completes the original.
        try store.recordDurable([SeenEntry(key: key, acceptedAtMillis: now)], nowMillis: now, deferSync: false)
        ledger.finish(key, result: .success(()))
        #expect(answers.withLock { $0.count } == 3)
        #expect(answers.withLock { $0.allSatisfy { (try? $0.get()) != nil } })
        #expect(ledger.count == 0)
        // A later copy is a duplicate at once.
        #expect(ledger.admit(key, nowMillis: now) { { _ in Issue.record("no wait after the commit") } } == .duplicate)
    }

    @Test func copiesOfAFailedOriginalGetItsErrorAndTheNextCopyProceeds() throws {
        let (ledger, _, directory) = try ledger()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let answers = Mutex<[Result<Void, SpoolError>]>([])
        #expect(ledger.admit(key, nowMillis: now) { { _ in } } == .proceed)
        #expect(ledger.admit(key, nowMillis: now) { { result in answers.withLock { $0.append(result) } } } == .waiting)
        ledger.finish(key, result: .failure(SpoolError(code: .diskFull, message: "full")))
        #expect(answers.withLock { $0.count } == 1)
        #expect(answers.withLock { (try? $0.first?.get()) == nil })
        // Not seen: Moda's retry is a new original.
        #expect(ledger.admit(key, nowMillis: now) { { _ in } } == .proceed)
    }
}
