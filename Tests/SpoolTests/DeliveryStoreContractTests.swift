import Foundation
import RelayCore
import RelayTestSupport
import Spool
import Testing

/// A ``DeliveryStore`` under test, with what the contract needs beyond the protocol: committing
/// events as acceptance would, and a restart.
protocol ContractSubject: AnyObject {
    var store: any DeliveryStore { get }
    /// Commits one event to `sink` and waits until it is durable.
    func commit(_ key: String, sink: String, acceptedAtMillis: Int64) async throws
    /// Stops everything and opens the store again from what is durable.
    func restart() async throws
    func cleanup() async
}

/// The file spool: a ``GroupCommitWriter`` over a temporary data directory.
final class SpoolSubject: ContractSubject {
    let directory = TemporaryDirectory()
    private(set) var writer: GroupCommitWriter
    private(set) var store: any DeliveryStore

    init() throws {
        (writer, _) = try openWriter(directory.path, sinks: ["a", "b"])
        store = SpoolDeliveryStore(writer: writer)
    }

    func commit(_ key: String, sink: String, acceptedAtMillis: Int64) async throws {
        try await append(writer, request(key, sinks: [sink], at: acceptedAtMillis)).get()
    }

    func restart() async throws {
        await writer.close()
        (writer, _) = try openWriter(directory.path, sinks: ["a", "b"])
        store = SpoolDeliveryStore(writer: writer)
    }

    func cleanup() async {
        await writer.close()
        directory.cleanup()
    }
}

/// The in-memory seam of the test support, which the worker tests rely on keeping the contract.
final class MemorySubject: ContractSubject {
    let memory = MemoryDeliveryStore()
    var store: any DeliveryStore { memory }

    func commit(_ key: String, sink: String, acceptedAtMillis: Int64) async throws {
        memory.commit(sink: sink, key: key, acceptedAtMillis: acceptedAtMillis)
    }

    func restart() async throws {}
    func cleanup() async {}
}

/// The guarantees written at the top of `DeliveryStore.swift`, checked against every
/// implementation: the file spool and the in-memory one (and, when they come, PostgreSQL's and the
/// shared event log's).
@Suite struct DeliveryStoreContractTests {
    static let subjects: [@Sendable () throws -> any ContractSubject] = [{ try SpoolSubject() }, { MemorySubject() }]
    static let now: Int64 = 1_760_000_000_000

    func keys(_ records: [SpoolRecord]) -> [String] { records.map(\.dedupeKey) }

    @Test(arguments: 0..<2) func committedRecordsComeInOrderOncePerOpeningWithinTheLimit(subject index: Int)
        async throws
    {
        let subject = try Self.subjects[index]()
        for n in 1...5 { try await subject.commit("evt_\(n)", sink: "a", acceptedAtMillis: Self.now + Int64(n)) }
        try await subject.commit("evt_other", sink: "b", acceptedAtMillis: Self.now)
        do {
            let queue = try subject.store.openQueue(sink: "a")
            #expect(keys(try queue.next(limit: 2)) == ["evt_1", "evt_2"])
            #expect(keys(try queue.next(limit: 10)) == ["evt_3", "evt_4", "evt_5"])
            #expect(try queue.next(limit: 10).isEmpty)
            let depth = queue.depth
            #expect(depth.pending == 5)
            let record = try #require(try subject.store.openQueue(sink: "b").next(limit: 1).first)
            #expect(record.acceptedAtMillis == Self.now)
        }
        await subject.cleanup()
    }

    @Test(arguments: 0..<2) func flushedAcknowledgementsAreDoneAndUnflushedOnesComeBack(subject index: Int) async throws
    {
        let subject = try Self.subjects[index]()
        for n in 1...4 { try await subject.commit("evt_\(n)", sink: "a", acceptedAtMillis: Self.now) }
        do {
            let queue = try subject.store.openQueue(sink: "a")
            let records = try queue.next(limit: 4)
            queue.acknowledge(records[0].sequence)
            queue.acknowledge(records[1].sequence)
            try queue.flushAcknowledgements()
            queue.acknowledge(records[2].sequence)  // never flushed: at least once
            #expect(queue.depth.pending == 1)
        }
        try await subject.restart()
        do {
            let queue = try subject.store.openQueue(sink: "a")
            #expect(keys(try queue.next(limit: 10)) == ["evt_3", "evt_4"])
            #expect(queue.depth.pending == 2)
        }
        await subject.cleanup()
    }

    @Test(arguments: 0..<2) func aDeadLetterIsStoredAndAReplayIsANewRecordAfterTheRest(subject index: Int) async throws
    {
        let subject = try Self.subjects[index]()
        for n in 1...2 { try await subject.commit("evt_\(n)", sink: "a", acceptedAtMillis: Self.now) }
        do {
            let queue = try subject.store.openQueue(sink: "a")
            let first = try #require(try queue.next(limit: 1).first)
            let letter = DeadLetter(
                sink: "a", sequence: first.sequence, dedupeKey: first.dedupeKey, eventType: first.eventType,
                acceptedAtMillis: first.acceptedAtMillis, deadAtMillis: Self.now + 5, attempts: 3, lastStatus: 400,
                lastError: "", responseExcerpt: "no", reason: "permanent", body: first.body)
            try queue.writeDeadLetter(letter)
            queue.acknowledge(first.sequence)
            try queue.flushAcknowledgements()
            let log = try subject.store.deadLetters(sink: "a")
            let stored = try #require(try log.entries(log.select(.init()))?.map(\.letter))
            #expect(stored.map(\.dedupeKey) == ["evt_1"])
            #expect(stored.first?.body == first.body)

            let failures = subject.store.reEnqueue(stored, sink: "a", acceptedAtMillis: Self.now + 60_000)
            #expect(failures.isEmpty)
            let rest = try queue.next(limit: 10)
            #expect(keys(rest) == ["evt_2", "evt_1"])
            #expect(rest.last?.acceptedAtMillis == Self.now + 60_000)
            #expect(rest.last.map { $0.sequence > first.sequence } == true)
            #expect(queue.depth.pending == 2)
        }
        await subject.cleanup()
    }

    @Test(arguments: 0..<2) func aSinkThatTakesEventsHasNoClosedMark(subject index: Int) async throws {
        let subject = try Self.subjects[index]()
        subject.store.accept(sink: "a")
        #expect(subject.store.closedMark(sink: "a") == nil)
        await subject.cleanup()
    }
}
