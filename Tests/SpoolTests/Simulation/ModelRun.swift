import RelayCore
import SimulatedDisk
import Spool
import Synchronization

/// Runs a sequence of ``ModelStep``s against the real spool (writer, readers, dedupe log, dead
/// letters) on a ``SimulatedDisk``, next to a plain model of what must hold:
///
/// - every acknowledged event is delivered to each of its routes or dead-lettered there (after
///   its last replay, if it was replayed);
/// - no record is handed out again once its acknowledgement is durable;
/// - a retry of an acknowledged event is a duplicate, and a duplicate is answered only for an
///   event whose commit completed (it must then be delivered like any acknowledged one);
/// - no commit lands in the spool of a route whose worker was stopped (no stranded route);
/// - nothing is refused for ever once space returns, and the relay starts once faults stop;
/// - no damage is found (a simulated disk flips no bits: only torn tails are expected).
final class ModelRun {
    /// A broken promise, with the step where it was seen.
    struct Violation: Error, CustomStringConvertible {
        enum Kind: String {
            case lost, redelivered, acceptedTwice, duplicateWithoutCommit, stranded, damage, refusedForever
            case cannotStart
        }
        var kind: Kind
        var step: Int
        var message: String
        var description: String { "\(kind.rawValue) at step \(step): \(message)" }
    }

    /// Figures for the closing note.
    struct Statistics {
        var steps = 0
        var calls = 0
        var crashes = 0
        var powerCuts = 0
        var failedStarts = 0
        var acknowledged = 0
        var deliveries = 0
        var refusals = 0
        /// Damage found after a failed fdatasync whose process stopped at once (see ``checkIntegrity()``).
        var toleratedDamage = 0
    }

    let disk = SimulatedDisk()
    let data = "/sim/data"
    let integrity = SpoolIntegrity()
    let clock = ModelClock()
    let seed: UInt64
    var configuration: GroupCommitWriter.Configuration
    var process: ModelProcess?
    var statistics = Statistics()

    /// Routes in the table, in order; every name ever used.
    var table: [String] = ["r0", "r1"]
    var known: [String] = ["r0", "r1"]
    /// Routes whose worker a reap stopped (until they are added again).
    var reaped: Set<String> = []

    /// The sinks of each event's latest attempt that reached the writer.
    var lastAttempt: [Int: [String]] = [:]
    /// The sinks of every attempt of each event that reached the writer.
    var attempts: [Int: [[String]]] = [:]
    /// Events answered only "duplicate": all the routes of one of these attempts must be reached.
    var mustDeliverOneOf: [Int: [[String]]] = [:]
    /// Events answered 200 (stored or duplicate), and the routes each must reach.
    var acknowledged: Set<Int> = []
    var mustDeliver: [Int: Set<String>] = [:]
    /// Route → event → the last step it was delivered at.
    var delivered: [String: [Int: Int]] = [:]
    /// Route → sequences whose acknowledgement is durable.
    var durableAcks: [String: Set<UInt64>] = [:]
    /// Route → event → the step its replay mark became durable.
    var replayed: [String: [Int: Int]] = [:]
    var step = 0
    var violation: Violation?
    /// Answers of the commit being performed.
    let pendingAnswers = Answers()

    init(seed: UInt64, segmentBytes: Int, maxSpoolBytes: Int) {
        self.seed = seed
        configuration = GroupCommitWriter.Configuration(dataDirectory: data)
        configuration.segmentBytes = segmentBytes
        configuration.maxSpoolBytes = maxSpoolBytes
        configuration.fileSystem = disk
        configuration.syncHelpers = 0
        configuration.integrity = integrity
        disk.crashSparingAfterFailedSync = 12
        let clock = self.clock
        clock.millis.store(1_800_000_000_000 + Int64(seed % 3_600) * 1000, ordering: .relaxed)
        configuration.clock = { clock.millis.load(ordering: .relaxed) }
        disk.prepareDirectory(data)
        start()
    }

    var now: Int64 { clock.millis.load(ordering: .relaxed) }

    func fail(_ kind: Violation.Kind, _ message: String) {
        trace("BROKEN: \(kind.rawValue): \(message)")
        if violation == nil { violation = Violation(kind: kind, step: step, message: message) }
    }

    static func key(_ id: Int) -> String { "evt_\(id)" }
    static func id(_ key: String) -> Int { Int(key.dropFirst(4)) ?? -1 }

    func request(_ id: Int, sinks: [String], marksSeen: Bool = true) -> AppendRequest {
        let padding = String(repeating: "x", count: (id % 3) * 40)
        return AppendRequest(
            sinks: sinks, dedupeKey: Self.key(id), seenKey: DedupeKey(Self.key(id)),
            eventType: "task.succeeded",
            body: Array(#"{"id":"\#(Self.key(id))","type":"task.succeeded","pad":"\#(padding)"}"#.utf8),
            acceptedAtMillis: now, marksSeen: marksSeen)
    }

    /// Prints each step and what it did (`SPOOL_MODEL_TRACE=1`), to read a failing sequence.
    var tracing = false

    func trace(_ line: @autoclosure () -> String) {
        if tracing { print("  [\(step)] \(line())") }
    }

    /// Runs every step, then the final phase; returns the first broken promise.
    func run(_ steps: [ModelStep]) -> Violation? {
        for (index, next) in steps.enumerated() {
            step = index
            if disk.crashed {
                statistics.crashes += 1
                trace("crashed: restart")
                restart(.kill)
            }
            if process == nil { start() }
            clock.millis.add(1, ordering: .relaxed)
            trace("\(next)")
            perform(next)
            if tracing {
                for line in disk.takeJournal() where !line.hasPrefix("read ") { trace("    call: \(line)") }
                for line in disk.listing(data) { trace("    \(line)") }
            }
            checkIntegrity()
            if violation != nil { break }
        }
        statistics.steps += steps.count
        if violation == nil { finish() }
        statistics.calls += disk.calls
        return violation
    }

    func perform(_ next: ModelStep) {
        switch next {
        case .submit(let events): submit(events)
        case .commit: commit()
        case .deliver(let route, let count, let outcome): deliver(route: route, count: count, outcome: outcome)
        case .flush(let route): if let name = workerName(route) { flush(name) }
        case .reclaim(let route): reclaim(route)
        case .replay(let route, let count): replay(route: route, count: count)
        case .addRoute(let index): addRoute(index)
        case .removeRoute(let index): removeRoute(index)
        case .reap: reap()
        case .capacity(let headroom): disk.capacity = headroom.map { disk.used + $0 }
        case .fail(let operation, let code, let skip): disk.fail(operation, errno: code, skip: skip)
        case .crash(let calls): disk.crash(afterCalls: calls)
        case .restart(let kind): restart(kind)
        case .tick(let millis): clock.millis.add(millis, ordering: .relaxed)
        }
    }

    /// The name of the `index`-th route that has a worker now, in name order.
    func workerName(_ index: Int) -> String? {
        guard let process, !process.workers.isEmpty else { return nil }
        let names = process.workers.keys.sorted()
        return names[index % names.count]
    }

    /// Damage is a broken promise, except after a failed fdatasync whose process then stopped at
    /// once (it crashed, or its start failed): nothing can tell afterwards which bytes that sync
    /// dropped, so bytes of the failed commit may be read and then found damaged. Reported
    /// loudly, it loses nothing acknowledged: the other checks still hold.
    func checkIntegrity() {
        guard let damage = integrity.recentDamage.first else { return }
        if disk.stoppedAfterFailedSync {
            statistics.toleratedDamage += 1
            return
        }
        fail(.damage, "\(damage)")
    }
}

/// The model's wall clock, in milliseconds; it moves only at `tick` steps.
final class ModelClock: Sendable {
    let millis = Atomic<Int64>(0)
}
