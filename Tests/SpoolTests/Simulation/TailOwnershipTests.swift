import RelayCore
import SimulatedDisk
import Spool
import Testing

/// Finding 1: the writer, not a directory listing, says which segment is the tail, and a failed
/// segment creation leaves nothing behind.
@Suite struct TailOwnershipTests {
    let disk = SimulatedDisk()
    let data = "/data"
    var spool: String { DataDirectory(data).spool("a") }

    init() { disk.prepareDirectory(data) }

    func open() throws -> CommitEngine {
        var configuration = GroupCommitWriter.Configuration(dataDirectory: data)
        configuration.fileSystem = disk
        configuration.syncHelpers = 0
        configuration.segmentBytes = 1 << 20
        let store = try LocalDedupeStore(
            directory: DataDirectory(data).seen, windowMillis: 86_400_000, nowMillis: configuration.clock(),
            fileSystem: disk)
        return try CommitEngine(configuration: configuration, sinks: ["a"], dedupe: store)
    }

    func reader(_ engine: CommitEngine) throws -> SpoolReader {
        try SpoolReader(sink: "a", directory: spool, fileSystem: disk) { engine.segmentsDeleted(sink: "a", bytes: $0) }
    }

    func commit(_ engine: CommitEngine, _ key: String) -> Bool {
        let stored = ModelRun.Answers()
        _ = engine.perform([.append(request(key, sinks: ["a"])) { stored.append((0, $0, false)) }])
        return (try? stored.take().first?.result.get()) == .stored
    }

    /// The relay restarted on a full disk with no spare segment left; everything was delivered,
    /// so the reader asked for the tail to be retired; creating the new segment failed for lack of
    /// space. The empty file it left must not be taken for the tail: the real tail, which the
    /// writer still appends to, must not be deleted.
    @Test func aFullDiskWithNoSpareNeverDeletesTheLiveTail() throws {
        var engine = try open()
        #expect(commit(engine, "evt_1"))
        #expect(commit(engine, "evt_2"))
        // Down, and up again on a full disk whose spare segment an earlier swap used up.
        try disk.remove(spool + "/spare-segment.unused.tmp")
        disk.restart(powerCut: false)
        disk.capacity = disk.used
        engine = try open()
        var reading = try reader(engine)
        for record in try reading.next(limit: 10, committed: engine.commitMark(sink: "a")) {
            reading.acknowledge(record.sequence)
        }
        // No space for the acks.
        #expect(throws: SpoolError.self) { try reading.flush(committed: engine.commitMark(sink: "a")) }
        let end = try #require(reading.drainedTail(committed: engine.commitMark(sink: "a")))
        _ = engine.perform([.retireTail(sink: "a", drainedThrough: end)])  // no spare, no space
        try? reading.flush(committed: engine.commitMark(sink: "a"))
        #expect(disk.size(atPath: spool + "/00000000000000000001.seg") != nil, "the live tail was deleted")
        #expect(disk.list(spool).filter { $0.hasSuffix(".seg") } == ["00000000000000000001.seg"])

        // Space comes back; the next event is acknowledged, and must survive a restart.
        disk.capacity = nil
        #expect(commit(engine, "evt_3"))
        disk.restart(powerCut: false)
        engine = try open()
        reading = try reader(engine)
        let left = try reading.next(limit: 10, committed: engine.commitMark(sink: "a")).map(\.dedupeKey)
        #expect(left.contains("evt_3"), "an acknowledged event was lost: \(left)")
    }

    /// A crash in the middle of creating a segment leaves a file with no record after the tail:
    /// recovery drops it (no space needed) and the tail before it stays the tail.
    @Test func recoveryDropsASegmentWithNoRecordAfterTheTail() throws {
        var engine = try open()
        #expect(commit(engine, "evt_1"))
        let stray = spool + "/00000000000000000002.seg"
        let fd = try disk.openForWriting(stray)
        disk.close(fd)
        try disk.syncDirectory(spool)
        disk.restart(powerCut: false)
        disk.capacity = disk.used
        engine = try open()
        #expect(disk.size(atPath: stray) == nil)
        #expect(engine.commitMark(sink: "a").tailFirst == 1)
        #expect(engine.dedupe.contains(DedupeKey("evt_1"), nowMillis: engine.configuration.clock()))
    }
}
