import Foundation
import RelayCore
import Synchronization
import Testing

@testable import Spool

/// Hardening finding 11: the kernel reports a failed writeback once; a retried fsync that
/// succeeds proves nothing. A failed sync moves the pending entries into a fresh file.
@Suite struct SeenLogSyncFailureTests {
    /// Fails the next `count` syncs with EIO, then syncs for real.
    final class FlakySync: Sendable {
        let failures = Mutex(0)
        let calls = Mutex<[String]>([])
        func failNext(_ count: Int) { failures.withLock { $0 = count } }
        func sync(_ file: AppendFile) throws(SpoolError) {
            calls.withLock { $0.append(file.path) }
            let fail = failures.withLock { remaining -> Bool in
                guard remaining > 0 else { return false }
                remaining -= 1
                return true
            }
            if fail { throw SpoolError.posix("fdatasync", path: file.path, errno: EIO) }
            try file.sync()
        }
    }

    func entries(_ range: Range<Int>, at now: Int64) -> [SeenEntry] {
        range.map { SeenEntry(key: DedupeKey("evt_\($0)"), acceptedAtMillis: now) }
    }

    /// A seen log in `directory` whose syncs go through a ``FlakySync``.
    func flakyLog(_ directory: String) throws -> (SeenLog, FlakySync) {
        let flaky = FlakySync()
        let log = try SeenLog(directory: directory, windowMillis: 86_400_000) { file throws(SpoolError) in
            try flaky.sync(file)
        }
        return (log, flaky)
    }

    func loaded(_ directory: String, now: Int64) throws -> Set<DedupeKey> {
        var keys = Set<DedupeKey>()
        try SeenLog(directory: directory, windowMillis: 86_400_000).load(nowMillis: now) { keys.insert($0.key) }
        return keys
    }

    @Test func aFailedSyncRewritesThePendingEntriesIntoAFreshFile() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let directory = tmp.path + "/seen"
        let (log, flaky) = try flakyLog(directory)
        let now = WallClock.nowMillis()
        try log.append(entries(0..<10, at: now), nowMillis: now, sync: false)
        let first = directory + "/" + SpoolFiles.list(directory)[0]
        flaky.failNext(1)
        try log.syncPending()  // the sync failed, the rewrite did not: durable in a fresh file
        let files = SpoolFiles.list(directory)
        #expect(files.count == 2 && files.contains { $0.hasSuffix(".1.log") }, "\(files)")
        let fresh = directory + "/" + files.first { $0.hasSuffix(".1.log") }!
        #expect(flaky.calls.withLock { $0 } == [first, fresh])
        #expect(try loaded(directory, now: now) == Set(entries(0..<10, at: now).map(\.key)))
        // The failed file is never trusted or written again.
        let failedSize = SpoolFiles.size(first)
        try log.append(entries(10..<12, at: now), nowMillis: now)
        #expect(SpoolFiles.size(first) == failedSize)
        #expect(flaky.calls.withLock { $0.last } == fresh)
    }

    @Test func whenTheRewriteFailsTooNothingIsClaimedDurableAndAFailedBatchNeverComesBack() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let directory = tmp.path + "/seen"
        let (log, flaky) = try flakyLog(directory)
        let now = WallClock.nowMillis()
        try log.append(entries(0..<5, at: now), nowMillis: now, sync: false)
        flaky.failNext(2)
        #expect(throws: SpoolError.self) { try log.syncPending() }
        #expect(throws: SpoolError.self) {
            flaky.failNext(1)
            try log.syncPending()  // still failing: still not claimed durable
        }
        try log.syncPending()  // the disk works again: the deferred entries are durable in a fresh file
        let durable = Set(entries(0..<5, at: now).map(\.key))
        #expect(durable.isSubset(of: try loaded(directory, now: now)))

        // A synced batch whose sync (and rewrite) fails is rolled back: its entries must never
        // become durable later, since its records were rolled back too (invariant 2).
        flaky.failNext(2)
        #expect(throws: SpoolError.self) { try log.append(entries(5..<8, at: now), nowMillis: now) }
        try log.syncPending()
        try log.append(entries(8..<9, at: now), nowMillis: now)
        let keys = try loaded(directory, now: now)
        #expect(keys.isDisjoint(with: entries(5..<8, at: now).map(\.key)))
        #expect(durable.union(entries(8..<9, at: now).map(\.key)).isSubset(of: keys))
    }
}
