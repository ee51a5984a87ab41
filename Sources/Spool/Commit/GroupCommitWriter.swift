import Foundation
import RelayCore
import Synchronization

/// The single writer of all spools and the seen log: batches appends from concurrent requests
/// and makes each batch durable with one `fdatasync` per touched file (group commit).
///
/// It runs a ``CommitEngine`` on a dedicated thread, never on the cooperative pool or an event
/// loop. At idle a lone append commits at once; under load, appends queue while a batch syncs
/// and the next batch is everything that queued. Callers learn the outcome through their
/// completion.
package final class GroupCommitWriter: Sendable {
    /// Writer settings.
    package struct Configuration: Sendable {
        /// Root of `spool/` and `seen/`.
        package var dataDirectory: String
        /// A segment rolls once it is larger than this.
        package var segmentBytes: Int = 64 << 20
        /// A sink's spool refuses appends (503) beyond this many bytes.
        package var maxSpoolBytes: Int = 1 << 30
        /// Most appends committed in one batch.
        package var maxBatch: Int = 4096
        /// Where recovery reports torn tails and corruption.
        package var integrity: SpoolIntegrity?
        /// The files: the real file system, or a simulated disk in tests.
        package var fileSystem: any FileSystem = PosixFileSystem.shared
        /// Threads that sync a batch's files together (0: the writer syncs them in turn).
        package var syncHelpers = 15
        /// Milliseconds since the epoch (acceptance times, the dedupe window).
        package var clock: @Sendable () -> Int64 = WallClock.nowMillis

        package init(dataDirectory: String) {
            self.dataDirectory = dataDirectory
        }
    }

    /// What recovery did at start, per sink.
    package struct RecoveryReport: Sendable {
        package var sink: String
        package var tailRecords: Int
        package var truncatedBytes: Int
    }

    private let engine: CommitEngine
    private let queue = BlockingQueue<CommitEngine.Job>()
    /// Called after each successful commit with the sinks it appended to, and after a tail was
    /// retired (on the writer thread).
    private let commitObservers = Mutex<[@Sendable (Set<String>) -> Void]>([])
    private let finished = ExitSignal()
    /// Whether the thread was started (it runs, or ran).
    private let started = Atomic<Bool>(false)

    package var configuration: Configuration { engine.configuration }
    package var recovery: [RecoveryReport] { engine.recovery }
    package var dedupe: any DedupeStore { engine.dedupe }

    /// Events found in some but not all of the spools their commit wrote to: a crash cut the
    /// commit short, so they were never acknowledged and are not taken as seen (Moda's retry is
    /// accepted as new). Their records may still be delivered (at-least-once).
    package var interruptedEvents: Int { engine.interruptedEvents }

    /// Cluster mode: dedupe keys of records another instance accepted (this one's claim was cut
    /// short by a crash, or its outcome was unknown and it turned out rolled back). Workers
    /// acknowledge them as skipped, never delivered.
    package var acceptedElsewhere: Set<String> { engine.acceptedElsewhere }

    /// Cluster mode: batches whose claims' outcome is not known yet; their records are held, and
    /// appends are refused (503) until it is.
    package var unresolvedBatches: Int { engine.unresolvedBatches }

    /// Recovers the data directory (``CommitEngine/init(configuration:sinks:dedupe:claims:)``).
    /// Starts no thread: appends queue until ``start()``.
    package init(
        configuration: Configuration, sinks: [String], dedupe: any DedupeStore, claims: (any SharedClaims)? = nil
    ) throws(SpoolError) {
        engine = try CommitEngine(
            configuration: configuration, sinks: sinks, dedupe: dedupe, claims: claims)
    }

    /// Starts the writer thread; appends queued before are committed first. Only the first call
    /// does anything.
    package func start() {
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        let thread = Thread { [self] in self.run() }
        thread.name = "moda-relay-spool-writer"
        thread.start()
    }

    /// Queues `request`; `completion` runs on the writer thread once it is durable or failed.
    package func append(_ request: AppendRequest, completion: @escaping AppendCompletion) {
        if !queue.push(.append(request, completion)) {
            completion(.failure(SpoolError(code: .shuttingDown, message: "the relay is shutting down")))
        }
    }

    /// Figures per sink, as of the last commit.
    package func statistics() -> [String: SpoolStats] { engine.statistics() }

    /// Registers `observer` to learn, after every successful commit, which sinks got records.
    /// It runs on the writer thread and must return at once (wake a worker, nothing more).
    package func onCommit(_ observer: @escaping @Sendable (Set<String>) -> Void) {
        commitObservers.withLock { $0.append(observer) }
    }

    /// Tells the writer a reader deleted `bytes` of `sink`'s segments (keeps the cap and the
    /// gauges right). Applied before the next commit.
    package func segmentsDeleted(sink: String, bytes: Int) {
        engine.segmentsDeleted(sink: sink, bytes: bytes)
        _ = queue.push(.wake)
    }

    /// Asks the writer to replace `sink`'s tail segment by a new, empty one, once every record
    /// below `drainedThrough` is acknowledged (the reader says so) and no record was appended
    /// since. The old tail then is an ordinary fully acknowledged segment that its reader
    /// deletes. Readers call this only while the disk or the spool is full: it is how a drained
    /// backlog that lives in the tail frees its space, and it needs no free space itself
    /// (the new segment is a spare file prepared earlier, renamed).
    package func retireTail(sink: String, drainedThrough: UInt64) {
        _ = queue.push(.retireTail(sink: sink, drainedThrough: drainedThrough))
    }

    /// `sink`'s route was removed: appends naming it from now on are refused (503, so Moda's
    /// retry is routed by the routes in force), and its commit mark becomes final
    /// (``closedMark(sink:)``), so its worker can tell when it has delivered everything.
    package func stopAccepting(sink: String) {
        _ = queue.push(engine.stopAcceptingJob(sink: sink))
    }

    /// `sink`'s route is in force (again): appends naming it are taken. Queued before the route
    /// table that names it is swapped in.
    package func accept(sink: String) {
        _ = queue.push(engine.acceptJob(sink: sink))
    }

    /// The final commit mark of `sink` once the writer has stopped taking appends for it.
    package func closedMark(sink: String) -> UInt64? { engine.closedMark(sink: sink) }

    /// Whether `sink` cannot take records now (the disk is full, or its spool is at its cap): its
    /// reader may then ask for ``retireTail(sink:drainedThrough:)``.
    package func isOutOfSpace(sink: String) -> Bool { engine.isOutOfSpace(sink: sink) }

    /// Sinks whose spool refuses appends for its cap now, with the refusal.
    package var fullSpools: [String: SpoolError] { engine.fullSpools }

    /// How long the batch the writer is performing has run (nil while it waits for work).
    package var busyFor: Duration? { engine.busyFor }

    /// What a reader of `sink` may consume now.
    package func commitMark(sink: String) -> CommitMark { engine.commitMark(sink: sink) }

    /// The error of the last commit, if it failed; nil once a later commit succeeds.
    package var lastError: SpoolError? { engine.lastError }

    /// Stops taking appends, commits everything already queued, and returns when the thread exits
    /// (a writer never started runs its thread just for that, and to close its files).
    package func close() async {
        queue.close()
        start()
        await finished.wait()
    }

    /// How often an idle writer in cluster mode does its housekeeping on its own thread: ends a
    /// transaction begun ahead that waited too long (before the server's idle timeout does),
    /// and asks again about claims whose outcome is unknown.
    static let housekeepingInterval: Duration = .milliseconds(500)

    private func run() {
        let clock = SystemDeliveryClock()
        let ticks = engine.hasHousekeeping
        while let jobs = queue.take(
            limit: configuration.maxBatch, deadline: ticks ? clock.now.advanced(by: Self.housekeepingInterval) : nil)
        {
            let touched = engine.perform(jobs)
            if !touched.isEmpty { for observer in commitObservers.withLock({ $0 }) { observer(touched) } }
        }
        engine.close()
        finished.signal()
    }
}
