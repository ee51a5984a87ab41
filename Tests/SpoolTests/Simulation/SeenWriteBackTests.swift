import RelayCore
import SimulatedDisk
import Spool
import Testing

/// Finding 6: keys recovered from spool tails must reach the seen log before those tails go.
@Suite struct SeenWriteBackTests {
    let disk = SimulatedDisk()
    let data = "/data"

    init() { disk.prepareDirectory(data) }

    func open() throws -> CommitEngine {
        var configuration = GroupCommitWriter.Configuration(dataDirectory: data)
        configuration.fileSystem = disk
        configuration.syncHelpers = 0
        configuration.segmentBytes = 200
        let store = try LocalDedupeStore(
            directory: DataDirectory(data).seen, windowMillis: 86_400_000, nowMillis: configuration.clock(),
            fileSystem: disk)
        return try CommitEngine(configuration: configuration, sinks: ["a"], dedupe: store)
    }

    func commit(_ engine: CommitEngine, _ key: String) {
        _ = engine.perform([.append(request(key, sinks: ["a"])) { result in #expect((try? result.get()) == .stored) }])
    }

    func seen(_ engine: CommitEngine, _ key: String) -> Bool {
        engine.dedupe.contains(DedupeKey(key), nowMillis: engine.configuration.clock())
    }

    @Test func aKeyRecoveredFromATailStaysSeenAfterTheTailIsDeletedAndThePowerIsCutAgain() throws {
        var engine = try open()
        commit(engine, "evt_1")  // its seen entry's sync is deferred: the tail record covers it
        disk.restart(powerCut: true)  // the seen entry is lost; the record is durable
        engine = try open()
        #expect(seen(engine, "evt_1"))
        // The tail rolls, and everything is delivered: the segment holding evt_1 is deleted.
        for index in 2...6 { commit(engine, "evt_\(index)") }
        let reader = try SpoolReader(sink: "a", directory: DataDirectory(data).spool("a"), fileSystem: disk)
        for record in try reader.next(limit: 100, committed: engine.commitMark(sink: "a")) {
            reader.acknowledge(record.sequence)
        }
        try reader.flush(committed: engine.commitMark(sink: "a"))
        #expect(!disk.list(DataDirectory(data).spool("a")).contains("00000000000000000001.seg"))
        disk.restart(powerCut: true)
        engine = try open()
        #expect(seen(engine, "evt_1"), "Moda's retry of evt_1 would be accepted a second time")
    }

    @Test func aKeyInTheSeenLogOnlyInThePageCacheIsMadeDurableAtStart() throws {
        var engine = try open()
        for index in 1...3 { commit(engine, "evt_\(index)") }  // the tail is full: the next append rolls it
        disk.restart(powerCut: false)  // kill -9: the unsynced seen entries survive in the page cache
        engine = try open()
        #expect(seen(engine, "evt_1"))
        commit(engine, "evt_4")  // rolls the tail that held the first three
        let reader = try SpoolReader(sink: "a", directory: DataDirectory(data).spool("a"), fileSystem: disk)
        for record in try reader.next(limit: 100, committed: engine.commitMark(sink: "a")) {
            reader.acknowledge(record.sequence)
        }
        try reader.flush(committed: engine.commitMark(sink: "a"))
        #expect(!disk.list(DataDirectory(data).spool("a")).contains("00000000000000000001.seg"))
        disk.restart(powerCut: true)
        engine = try open()
        #expect(seen(engine, "evt_1"), "Moda's retry of evt_1 would be accepted a second time")
    }
}
