import Foundation
import Synchronization
import Testing

@testable import Spool

@Suite struct ParallelSyncTests {
    private func targets(_ count: Int) -> [ParallelSync.Target] {
        (0..<count).map { ParallelSync.Target(descriptor: Int32(100 + $0), path: "file-\($0)") }
    }

    private func syncJob(_ target: ParallelSync.Target) -> ParallelSync.Job { { try ParallelSync.dataSync(target) } }

    /// One job per target that calls `body` with it.
    private func jobs(
        _ count: Int, _ body: @escaping @Sendable (ParallelSync.Target) throws(SpoolError) -> Void
    ) -> [ParallelSync.Job] {
        targets(count).map { target in { try body(target) } }
    }

    @Test func everyTargetIsSyncedOnceAndTheSyncsOverlap() throws {
        let synced = Mutex<[Int32]>([])
        let inside = Mutex(0)
        let mostAtOnce = Mutex(0)
        let syncer = ParallelSync()
        let job: @Sendable (ParallelSync.Target) throws(SpoolError) -> Void = { target throws(SpoolError) in
            let now = inside.withLock { count in
                count += 1
                return count
            }
            mostAtOnce.withLock { $0 = max($0, now) }
            // Long enough that helpers, started at the first call, overlap with it.
            usleep(20_000)
            inside.withLock { $0 -= 1 }
            synced.withLock { $0.append(target.descriptor) }
        }
        defer { syncer.close() }
        for round in 0..<3 {
            synced.withLock { $0 = [] }
            try syncer.run(jobs(16, job))
            #expect(synced.withLock { $0.sorted() } == (100..<116).map { Int32($0) }, "round \(round)")
        }
        #expect(mostAtOnce.withLock { $0 } > 1)
    }

    @Test func aFailureIsThrownAfterEveryOtherTargetWasAttempted() {
        let attempted = Mutex<Set<String>>([])
        let syncer = ParallelSync()
        let job: @Sendable (ParallelSync.Target) throws(SpoolError) -> Void = { target throws(SpoolError) in
            attempted.withLock { _ = $0.insert(target.path) }
            if target.path == "file-5" || target.path == "file-2" {
                throw SpoolError(code: .ioError, message: "fdatasync failed: \(target.path)")
            }
        }
        defer { syncer.close() }
        #expect(throws: SpoolError.self) { try syncer.run(jobs(8, job)) }
        #expect(attempted.withLock { $0.count } == 8)
        // The first failing target in order is the one reported.
        do {
            try syncer.run(jobs(8, job))
        } catch {
            #expect(error.message.contains("file-2"))
        }
    }

    @Test func realFilesAreMadeDurable() throws {
        let directory = NSTemporaryDirectory() + "parallel-sync-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = try (0..<4).map { try AppendFile(path: "\(directory)/\($0)", length: 0) }
        for file in files { try file.append(Array("record".utf8)) }
        let syncer = ParallelSync()
        defer { syncer.close() }
        try syncer.run(files.map(\.syncTarget).map(syncJob))
        for file in files { #expect(try Data(contentsOf: URL(fileURLWithPath: file.path)).count == 6) }
        // A closed descriptor is an error with the file's path.
        let bad = ParallelSync.Target(descriptor: -1, path: "\(directory)/gone")
        #expect(throws: SpoolError.self) { try syncer.run((files.map(\.syncTarget) + [bad]).map(syncJob)) }
    }
}
