import Foundation
import RelayCore
import Synchronization
import Testing

@testable import Spool

@Suite struct GroupCommitWriterTests {
    @Test func appendsAreDurableInEverySinkAndSeen() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let (writer, store) = try openWriter(tmp.path, sinks: ["a", "b"])
        #expect(try await append(writer, request("evt_1", sinks: ["a", "b"])).get() == ())
        #expect(try await append(writer, request("evt_2", sinks: ["b"])).get() == ())
        #expect(try await append(writer, request("evt_3", sinks: [])).get() == ())
        await writer.close()
        #expect(try recordsOnDisk(tmp.path, sink: "a").map(\.dedupeKey) == ["evt_1"])
        #expect(try recordsOnDisk(tmp.path, sink: "b").map(\.dedupeKey) == ["evt_1", "evt_2"])
        #expect(try recordsOnDisk(tmp.path, sink: "b").map(\.sequence) == [1, 2])
        let now = WallClock.nowMillis()
        for key in ["evt_1", "evt_2", "evt_3"] { #expect(store.contains(DedupeKey(key), nowMillis: now)) }
        #expect(!store.contains(DedupeKey("evt_4"), nowMillis: now))
    }

    @Test func concurrentAppendsAreGroupCommitted() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let (writer, _) = try openWriter(tmp.path, sinks: ["a"])
        let failures = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<500 {
                group.addTask { (try? await append(writer, request("evt_\(index)", sinks: ["a"])).get()) == nil }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        await writer.close()
        #expect(failures == 0)
        let records = try recordsOnDisk(tmp.path, sink: "a")
        #expect(records.count == 500)
        #expect(records.map(\.sequence) == Array(1...500))
        #expect(Set(records.map(\.dedupeKey)).count == 500)
    }

    /// Invariant 2: a key reaches the dedupe store only after its records are in the spool
    /// files. The probe store reads the segment from disk at the moment it is asked to record.
    @Test func noSeenBeforeTheSpoolHoldsTheRecord() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let (writer, probe) = try probedWriter(tmp.path, sinks: ["a", "b"])
        for index in 0..<20 {
            _ = try await append(writer, request("evt_\(index)", sinks: ["a", "b"])).get()
        }
        await writer.close()
        #expect(probe.checked.withLock { $0 } == 20)
        #expect(probe.violations.withLock { $0 }.isEmpty)
    }

    /// The seen log's own sync is deferred only for keys a tail segment can restore: never for
    /// unrouted events, and deferred entries are synced before a tail segment is replaced.
    @Test func seenSyncIsDeferredOnlyWhenTheSpoolTailCoversIt() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let (writer, probe) = try probedWriter(tmp.path, sinks: ["a", "b"]) { $0.segmentBytes = 100 }
        _ = try await append(writer, request("evt_routed", sinks: ["a", "b"])).get()
        _ = try await append(writer, request("evt_unrouted", sinks: [])).get()
        #expect(probe.deferred.withLock { $0 } == [true, false])
        let before = probe.syncs.withLock { $0 }
        // The first record filled segment 1 past 100 bytes: the next append rolls, so the
        // deferred entries are synced first.
        _ = try await append(writer, request("evt_rolls", sinks: ["a", "b"])).get()
        #expect(probe.syncs.withLock { $0 } == before + 1)
        await writer.close()
        #expect(SpoolFiles.list(tmp.path + "/spool/a").filter { $0.hasSuffix(".seg") }.count == 2)
    }

    @Test func spoolCapRefusesAndNothingIsSeen() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let (writer, store) = try openWriter(tmp.path, sinks: ["a"]) { $0.maxSpoolBytes = 300 }
        _ = try await append(writer, request("evt_small", sinks: ["a"])).get()
        let big = String(repeating: "x", count: 400)
        let result = await append(writer, request("evt_big", sinks: ["a"], body: big))
        guard case .failure(let error) = result else { Issue.record("expected spool_full"); return }
        #expect(error.code == .spoolFull)
        #expect(!store.contains(DedupeKey("evt_big"), nowMillis: WallClock.nowMillis()))
        await writer.close()
        #expect(try recordsOnDisk(tmp.path, sink: "a").map(\.dedupeKey) == ["evt_small"])
    }

    @Test func closedWriterRefusesWithShuttingDown() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let (writer, _) = try openWriter(tmp.path, sinks: ["a"])
        await writer.close()
        guard case .failure(let error) = await append(writer, request("evt_1", sinks: ["a"])) else {
            Issue.record("expected failure")
            return
        }
        #expect(error.code == .shuttingDown)
    }

    @Test func segmentsRollAndSequencesContinueAcrossRestart() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        do {
            let (writer, _) = try openWriter(tmp.path, sinks: ["a"]) { $0.segmentBytes = 200 }
            for index in 0..<10 { _ = try await append(writer, request("evt_\(index)", sinks: ["a"])).get() }
            await writer.close()
        }
        #expect(SpoolFiles.list(tmp.path + "/spool/a").filter { $0.hasSuffix(".seg") }.count > 2)
        let (writer, store) = try openWriter(tmp.path, sinks: ["a"]) { $0.segmentBytes = 200 }
        #expect(store.contains(DedupeKey("evt_9"), nowMillis: WallClock.nowMillis()))
        _ = try await append(writer, request("evt_10", sinks: ["a"])).get()
        await writer.close()
        #expect(try recordsOnDisk(tmp.path, sink: "a").map(\.sequence) == Array(1...11))
    }
}

/// A dedupe store that, before delegating, checks that every key it is asked to record is
/// already in the spool files of sinks "a" and "b".
/// A writer over `data` whose dedupe store is an ``OrderProbe``.
func probedWriter(
    _ data: String, sinks: [String], configure: (inout GroupCommitWriter.Configuration) -> Void = { _ in }
) throws -> (GroupCommitWriter, OrderProbe) {
    let inner = try LocalDedupeStore(
        directory: data + "/seen", windowMillis: 86_400_000, nowMillis: WallClock.nowMillis())
    let probe = OrderProbe(inner: inner, data: data)
    var configuration = GroupCommitWriter.Configuration(dataDirectory: data)
    configure(&configuration)
    let writer = try GroupCommitWriter(
        configuration: configuration, sinks: sinks, dedupe: probe)
    writer.start()
    return (writer, probe)
}

final class OrderProbe: DedupeStore {
    let inner: LocalDedupeStore
    let data: String
    let checked = Mutex(0)
    let violations = Mutex<[String]>([])
    let deferred = Mutex<[Bool]>([])
    let syncs = Mutex(0)

    init(inner: LocalDedupeStore, data: String) {
        self.inner = inner
        self.data = data
    }

    func contains(_ key: DedupeKey, nowMillis: Int64) -> Bool { inner.contains(key, nowMillis: nowMillis) }

    func recordDurable(_ entries: [SeenEntry], nowMillis: Int64, deferSync: Bool) throws(SpoolError) {
        for sink in ["a", "b"] {
            let onDisk = Set(((try? recordsOnDisk(data, sink: sink)) ?? []).map { DedupeKey($0.dedupeKey) })
            for entry in entries where !onDisk.contains(entry.key) {
                violations.withLock { $0.append("\(sink): \(entry.key)") }
            }
        }
        checked.withLock { $0 += entries.count }
        deferred.withLock { $0.append(deferSync) }
        try inner.recordDurable(entries, nowMillis: nowMillis, deferSync: deferSync)
    }

    func syncDeferred() throws(SpoolError) {
        syncs.withLock { $0 += 1 }
        try inner.syncDeferred()
    }

    func restore(_ entries: [SeenEntry], nowMillis: Int64) { inner.restore(entries, nowMillis: nowMillis) }
}
