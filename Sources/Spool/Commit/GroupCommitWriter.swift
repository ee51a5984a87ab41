import Foundation
import RelayCore
import Synchronization

/// The single writer of all spools and the seen log: batches appends from concurrent requests
/// and makes each batch durable with one `fdatasync` per touched file (group commit).
///
/// It runs on a dedicated thread, never on the cooperative pool or an event loop. At idle a lone
/// append commits at once; under load, appends queue while a batch syncs and the next batch is
/// everything that queued. Callers learn the outcome through their completion.
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

    /// What the writer thread is asked to do.
    private enum Job {
        case append(AppendRequest, AppendCompletion)
        /// Every record of the sink below `drainedThrough` is acknowledged and the disk or the
        /// spool is full: start a new tail, so the old one can be deleted (see ``retireTail(sink:drainedThrough:)``).
        case retireTail(sink: String, drainedThrough: UInt64)
        /// Something changed (space was freed): publish figures and health.
        case wake
    }

    private let queue = BlockingQueue<Job>()
    /// Called after each successful commit with the sinks it appended to, and after a tail was
    /// retired (on the writer thread).
    private let commitObservers = Mutex<[@Sendable (Set<String>) -> Void]>([])
    /// Bytes freed by readers, per sink, applied by the writer thread before its next commit.
    private let freed = Mutex<[String: Int]>([:])
    private let stats: Mutex<[String: SpoolStats]>
    private let health = Mutex<SpoolError?>(nil)
    private let finished = ExitSignal()
    package let configuration: Configuration
    package let recovery: [RecoveryReport]
    package let dedupe: any DedupeStore

    /// Events found in some but not all of the spools their commit wrote to: a crash cut the
    /// commit short, so they were never acknowledged and are not taken as seen (Moda's retry is
    /// accepted as new). Their records may still be delivered (at-least-once).
    package let interruptedEvents: Int

    /// Cluster mode: dedupe keys of tail records another instance accepted while this one's
    /// claim was cut short by a crash. Workers acknowledge them as skipped, never delivered.
    package let acceptedElsewhere: Set<String>

    /// Cluster mode's recovery of tail records whose keys the seen log lacks (the crash came
    /// between the sync and the seen log): a complete event claimed by this instance is kept,
    /// one claimed by another is skipped, an unclaimed one is claimed now. An event cut short
    /// (in only some of its spools) is never claimed; it is skipped if another instance has it.
    private static func reconcile(
        complete: [(key: String, entry: SeenEntry)], cutShort: [(key: String, entry: SeenEntry)],
        claims: any SharedClaims, nowMillis: Int64
    ) throws(SpoolError) -> (restored: [SeenEntry], elsewhere: Set<String>) {
        var restored: [SeenEntry] = []
        var elsewhere = Set<String>()
        let chunk = 1000
        for start in stride(from: 0, to: complete.count, by: chunk) {
            let part = complete[start..<min(start + chunk, complete.count)]
            let transaction = try claims.begin(claiming: part.map(\.entry.key), nowMillis: nowMillis)
            try transaction.commit()
            for item in part {
                if transaction.held.contains(item.entry.key) {
                    restored.append(item.entry)
                } else {
                    elsewhere.insert(item.key)
                }
            }
        }
        for start in stride(from: 0, to: cutShort.count, by: chunk) {
            let part = cutShort[start..<min(start + chunk, cutShort.count)]
            let held = try claims.heldElsewhere(part.map(\.entry.key), nowMillis: nowMillis)
            for item in part where held.contains(item.entry.key) { elsewhere.insert(item.key) }
        }
        return (restored, elsewhere)
    }

    /// Opens every spool under the data directory plus `sinks`, recovers their tails, and
    /// adds to `dedupe` (fingerprinted with `fingerprint`) the keys whose commit completed: a key
    /// already in the seen log, or one whose record is in as many tails as its commit's fan-out.
    /// Then starts the writer thread.
    ///
    /// A record in one tail proves nothing about the others: a `kill -9` between the writes of one
    /// commit leaves the event in some spools only, never acknowledged. Taking its key as seen would
    /// answer Moda's retry "duplicate" for an event the other sinks never got. Records of one commit
    /// always sit in tails (a tail is replaced only after the seen log is synced), so counting tails
    /// is enough.
    package init(
        configuration: Configuration, sinks: [String], dedupe: any DedupeStore, claims: (any SharedClaims)? = nil,
        fingerprint: (String) -> SeenKey
    ) throws(SpoolError) {
        let state = try WriterState(configuration: configuration, dedupe: dedupe, claims: claims)
        var reports: [RecoveryReport] = []
        let now = WallClock.nowMillis()
        let existing = SpoolFiles.list(state.spoolRoot)
        var tails: [String: (acceptedAtMillis: Int64, fanOut: Int, spools: Int)] = [:]
        for name in Set(existing + sinks).sorted() {
            let spool = try state.spool(named: name)
            let recovered = spool.recovery
            var here = Set<String>()
            for (key, acceptedAt, fanOut) in recovered.tailKeys where here.insert(key).inserted {
                var entry = tails[key] ?? (acceptedAt, fanOut, 0)
                entry.acceptedAtMillis = max(entry.acceptedAtMillis, acceptedAt)
                entry.fanOut = max(entry.fanOut, fanOut)
                entry.spools += 1
                tails[key] = entry
            }
            reports.append(
                RecoveryReport(
                    sink: name, tailRecords: recovered.tailKeys.count, truncatedBytes: recovered.truncatedBytes))
            spool.discardRecoveredRecords()
        }
        var restored: [SeenEntry] = []
        var complete: [(key: String, entry: SeenEntry)] = []
        var cutShort: [(key: String, entry: SeenEntry)] = []
        for (key, tail) in tails {
            let entry = SeenEntry(key: fingerprint(key), acceptedAtMillis: tail.acceptedAtMillis)
            if dedupe.contains(entry.key, nowMillis: now) {
                restored.append(entry)
            } else if tail.fanOut == 0 || tail.spools >= tail.fanOut {
                complete.append((key, entry))
            } else {
                cutShort.append((key, entry))
            }
        }
        var elsewhere = Set<String>()
        if let claims {
            let reconciled = try Self.reconcile(complete: complete, cutShort: cutShort, claims: claims, nowMillis: now)
            restored += reconciled.restored
            elsewhere = reconciled.elsewhere
        } else {
            restored += complete.map(\.entry)
        }
        dedupe.restore(restored, nowMillis: now)
        self.acceptedElsewhere = elsewhere
        let interrupted = cutShort.count - cutShort.filter { elsewhere.contains($0.key) }.count
        self.interruptedEvents = interrupted
        self.configuration = configuration
        self.recovery = reports
        self.dedupe = dedupe
        self.stats = Mutex(state.snapshot())
        let box = UncheckedBox(state)
        let thread = Thread { [self] in self.run(box.value) }
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
    package func statistics() -> [String: SpoolStats] { stats.withLock { $0 } }

    /// Registers `observer` to learn, after every successful commit, which sinks got records.
    /// It runs on the writer thread and must return at once (wake a worker, nothing more).
    package func onCommit(_ observer: @escaping @Sendable (Set<String>) -> Void) {
        commitObservers.withLock { $0.append(observer) }
    }

    /// Tells the writer a reader deleted `bytes` of `sink`'s segments (keeps the cap and the
    /// gauges right). Applied before the next commit.
    package func segmentsDeleted(sink: String, bytes: Int) {
        freed.withLock { $0[sink, default: 0] += bytes }
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

    /// Whether the disk or a spool's cap refused the last commit: readers may then ask for
    /// ``retireTail(sink:drainedThrough:)``.
    package var isOutOfSpace: Bool {
        guard let code = lastError?.code else { return false }
        return code == .diskFull || code == .spoolFull
    }

    /// What a reader of `sink` may consume now.
    package func commitMark(sink: String) -> CommitMark {
        stats.withLock { stats in
            let entry = stats[sink] ?? SpoolStats()
            return CommitMark(nextSequence: entry.nextSequence, rollbacks: entry.rollbacks)
        }
    }

    /// The error of the last commit, if it failed; nil once a later commit succeeds.
    package var lastError: SpoolError? { health.withLock { $0 } }

    /// Stops taking appends, commits everything already queued, and returns when the thread exits.
    package func close() async {
        queue.close()
        await finished.wait()
    }

    private func run(_ state: WriterState) {
        while let jobs = queue.take(limit: configuration.maxBatch) {
            var batch: [(AppendRequest, AppendCompletion)] = []
            var retire: [(sink: String, drainedThrough: UInt64)] = []
            for job in jobs {
                switch job {
                case .append(let request, let completion): batch.append((request, completion))
                case .retireTail(let sink, let drainedThrough): retire.append((sink, drainedThrough))
                case .wake: break
                }
            }
            let released: [String: Int] = freed.withLock { pending in
                let taken = pending
                pending = [:]
                return taken
            }
            for (sink, bytes) in released { state.segmentsDeleted(sink: sink, bytes: bytes) }
            if !released.isEmpty {
                // Space was freed: a refusal for lack of it no longer says anything; the next
                // commit will tell (and readiness recovers without waiting for one).
                health.withLock { error in
                    if error?.code == .diskFull || error?.code == .spoolFull { error = nil }
                }
            }
            var touched = Set<String>()
            for request in retire {
                do throws(SpoolError) {
                    if try state.retireTail(sink: request.sink, drainedThrough: request.drainedThrough) {
                        touched.insert(request.sink)
                    }
                } catch {
                    // Not retired now (for example no spare and no space for a new segment):
                    // the reader asks again later.
                    if error.code != .diskFull { health.withLock { $0 = error } }
                }
            }
            if !batch.isEmpty {
                let error = state.commit(batch)
                health.withLock { $0 = error }
                if error == nil { touched.formUnion(batch.flatMap { $0.0.sinks }) }
            }
            let snapshot = state.snapshot()
            stats.withLock { $0 = snapshot }
            if !touched.isEmpty { for observer in commitObservers.withLock({ $0 }) { observer(touched) } }
        }
        state.syncer.close()
        // Closing: make deferred seen entries durable so the next start needs no spool scan for them.
        do throws(SpoolError) {
            try dedupe.syncDeferred()
        } catch {
            health.withLock { $0 = error }
        }
        finished.signal()
    }
}

/// Moves a non-Sendable value to the writer thread, which becomes its only user.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
