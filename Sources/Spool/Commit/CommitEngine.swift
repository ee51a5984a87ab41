import RelayCore
import Synchronization

/// The spool writer's work, on whichever thread calls it: recovery when it is made, then one
/// batch of jobs per ``perform(_:)``. ``GroupCommitWriter`` runs it on its own thread; the
/// model test on the simulated disk calls it directly, so every file-system call comes in a
/// fixed order.
///
/// ``perform(_:)`` and ``close()`` must be called by one thread at a time; the figures
/// (``statistics()``, ``commitMark(sink:)``, ``lastError``) and ``segmentsDeleted(sink:bytes:)``
/// may be called from any thread.
package final class CommitEngine: @unchecked Sendable {
    /// What the writer is asked to do.
    package enum Job {
        case append(AppendRequest, AppendCompletion)
        /// Every record of the sink below `drainedThrough` is acknowledged and the disk or the
        /// spool is full: start a new tail, so the old one can be deleted.
        case retireTail(sink: String, drainedThrough: UInt64)
        /// The sink's route was removed: appends naming it from now on are refused, so its
        /// commit mark is final (its worker may stop once it has delivered up to it).
        case stopAccepting(sink: String, request: Int)
        /// The sink's route is in the table (again): appends naming it are taken.
        case accept(sink: String, request: Int)
        /// Something changed (space was freed): publish figures and health.
        case wake
    }

    package let configuration: GroupCommitWriter.Configuration
    package let recovery: [GroupCommitWriter.RecoveryReport]
    package let dedupe: any DedupeStore
    /// Events found in some but not all of the spools their commit wrote to (see
    /// ``GroupCommitWriter/interruptedEvents``).
    package let interruptedEvents: Int
    /// Cluster mode: keys of records another instance accepted (see
    /// ``GroupCommitWriter/acceptedElsewhere``): found by recovery, or when a batch whose claims'
    /// outcome was unknown turned out rolled back.
    package var acceptedElsewhere: Set<String> { elsewhere.withLock { $0 } }
    private let elsewhere: Mutex<Set<String>>
    /// Whether the writer must call ``perform(_:)`` now and then even with nothing to do
    /// (cluster mode: the claim session's housekeeping).
    package var hasHousekeeping: Bool { state.claims != nil }
    /// Cluster mode: batches whose claims' outcome is not known yet (their records are held).
    package var unresolvedBatches: Int { unresolvedCount.withLock { $0 } }
    private let unresolvedCount = Mutex(0)

    /// Owned by the thread that performs jobs.
    private let state: WriterState
    /// Bytes freed by readers, per sink, applied before the next commit.
    private let freed = Mutex<[String: Int]>([:])
    private let stats: Mutex<[String: SpoolStats]>
    private let health = Mutex<SpoolError?>(nil)
    /// Sinks whose spool refused an append for its cap, until space is freed in it or an append
    /// to it commits.
    private let full = Mutex<[String: SpoolError]>([:])
    /// When the batch being performed started (nil between batches): a stuck `fdatasync` shows.
    private let busySince = Mutex<ContinuousClock.Instant?>(nil)
    /// Sinks that take no appends, with their final commit mark.
    private let closed = Mutex<[String: (mark: UInt64, request: Int)]>([:])
    /// The newest stop or accept asked for, per sink (numbered as asked, before the writer
    /// performs it): a closure that a later request overtook says nothing.
    private let requests = Mutex<[String: Int]>([:])

    /// Opens every spool under the data directory plus `sinks`, recovers their tails, and adds to
    /// `dedupe` (fingerprinted with `fingerprint`) the keys whose commit completed: a key already
    /// in the seen log, or one whose record is in as many tails as its commit's fan-out.
    ///
    /// A record in one tail proves nothing about the others: a `kill -9` between the writes of one
    /// commit leaves the event in some spools only, never acknowledged. Taking its key as seen would
    /// answer Moda's retry "duplicate" for an event the other sinks never got. Records of one commit
    /// always sit in tails (a tail is replaced only after the seen log is synced), so counting tails
    /// is enough.
    package init(
        configuration: GroupCommitWriter.Configuration, sinks: [String], dedupe: any DedupeStore,
        claims: (any SharedClaims)? = nil
    ) throws(SpoolError) {
        let state = try WriterState(configuration: configuration, dedupe: dedupe, claims: claims)
        var reports: [GroupCommitWriter.RecoveryReport] = []
        let now = configuration.clock()
        let existing = configuration.fileSystem.list(state.spoolRoot)
        // Each commit of a key (Moda's retry of an event whose first commit a crash cut short is
        // another one) counts the spools holding its record; a key is complete if one is.
        var commits: [TailCommit: Int] = [:]
        for name in Set(existing + sinks).sorted() {
            let spool = try state.spool(named: name)
            let recovered = spool.recovery
            var here = Set<TailCommit>()
            for (key, acceptedAt, fanOut) in recovered.tailKeys where fanOut != SpoolRecord.replayFanOut {
                let commit = TailCommit(key: key, acceptedAtMillis: acceptedAt, fanOut: fanOut)
                if here.insert(commit).inserted { commits[commit, default: 0] += 1 }
            }
            reports.append(
                .init(sink: name, tailRecords: recovered.tailKeys.count, truncatedBytes: recovered.truncatedBytes))
            spool.discardRecoveredRecords()
        }
        // Keys the seen log has (its files are synced at load) need nothing; the others are
        // restored and written back to it (before their tails can be replaced).
        var restored: [SeenEntry] = []
        var complete: [(key: String, entry: SeenEntry)] = []
        var cutShort: [(key: String, entry: SeenEntry)] = []
        var tails: [String: (acceptedAtMillis: Int64, complete: Bool)] = [:]
        for (commit, spools) in commits {
            var tail = tails[commit.key] ?? (commit.acceptedAtMillis, false)
            tail.acceptedAtMillis = max(tail.acceptedAtMillis, commit.acceptedAtMillis)
            tail.complete = tail.complete || commit.fanOut == 0 || spools >= commit.fanOut
            tails[commit.key] = tail
        }
        for (key, tail) in tails.sorted(by: { $0.key < $1.key }) {
            let entry = SeenEntry(key: DedupeKey(key), acceptedAtMillis: tail.acceptedAtMillis)
            if dedupe.contains(entry.key, nowMillis: now) {
                continue
            } else if tail.complete {
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
        self.elsewhere = Mutex(elsewhere)
        self.interruptedEvents = cutShort.count - cutShort.filter { elsewhere.contains($0.key) }.count
        self.configuration = configuration
        self.recovery = reports
        self.dedupe = dedupe
        self.state = state
        self.stats = Mutex(state.snapshot())
    }

    /// Performs one batch: applies freed space, retires tails, commits the appends (one group
    /// commit), and publishes figures. Returns the sinks that got records or a new tail.
    ///
    /// Appends queued before a ``Job/stopAccepting(sink:)`` or ``Job/accept(sink:)`` are committed
    /// before it takes effect, those queued after it, after.
    package func perform(_ jobs: [Job]) -> Set<String> {
        busySince.withLock { $0 = .now }
        defer { busySince.withLock { $0 = nil } }
        state.claims?.tidy()
        state.resolveClaims(nowMillis: configuration.clock())
        if state.unresolved.isEmpty {
            // Every unknown outcome is known now: that refusal no longer says anything.
            health.withLock { error in if error?.code == .claimUnresolved { error = nil } }
        }
        var retire: [(sink: String, drainedThrough: UInt64)] = []
        for case .retireTail(let sink, let drainedThrough) in jobs { retire.append((sink, drainedThrough)) }
        let released: [String: Int] = freed.withLock { pending in
            let taken = pending
            pending = [:]
            return taken
        }
        for (sink, bytes) in released { state.segmentsDeleted(sink: sink, bytes: bytes) }
        if !released.isEmpty {
            full.withLock { full in for sink in released.keys { full[sink] = nil } }
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
        var batch: [(AppendRequest, AppendCompletion)] = []
        for job in jobs {
            switch job {
            case .append(let request, let completion):
                batch.append((request, completion))
            case .stopAccepting(let sink, let request):
                touched.formUnion(commit(batch))
                batch = []
                state.stopAccepting(sink: sink, request: request)
            case .accept(let sink, _):
                touched.formUnion(commit(batch))
                batch = []
                state.accept(sink: sink)
            case .retireTail, .wake:
                break
            }
        }
        touched.formUnion(commit(batch))
        let snapshot = state.snapshot()
        let marks = state.closedSinks
        let newlyElsewhere = state.takeElsewhere()
        if !newlyElsewhere.isEmpty { elsewhere.withLock { $0.formUnion(newlyElsewhere) } }
        unresolvedCount.withLock { $0 = state.unresolved.batches.count }
        stats.withLock { $0 = snapshot }
        closed.withLock { $0 = marks }
        for (completion, result) in state.takeAnswers() { completion(result) }
        return touched
    }

    /// One group commit; returns the sinks that got records.
    private func commit(_ batch: [(AppendRequest, AppendCompletion)]) -> Set<String> {
        guard !batch.isEmpty else { return [] }
        let error = state.commit(batch)
        health.withLock { $0 = error }
        let stored = state.takeStoredSinks()
        let refused = state.takeCapRefusals()
        full.withLock { full in
            for sink in stored { full[sink] = nil }
            full.merge(refused) { $1 }
        }
        return stored
    }

    /// How long the batch being performed has run (nil between batches): a disk whose
    /// `fdatasync` hangs shows here, while every request waits.
    package var busyFor: Duration? { busySince.withLock { $0.map { .now - $0 } } }

    /// The final commit mark of `sink` if it takes no appends (its route was removed), else nil.
    package func closedMark(sink: String) -> UInt64? {
        let newest = requests.withLock { $0[sink] }
        return closed.withLock { closed in
            guard let entry = closed[sink], entry.request == newest else { return nil }
            return entry.mark
        }
    }

    /// The job that stops appends to `sink` (numbered now, so that a later accept overtakes it).
    package func stopAcceptingJob(sink: String) -> Job {
        .stopAccepting(sink: sink, request: nextRequest(sink))
    }

    /// The job that takes appends to `sink` again.
    package func acceptJob(sink: String) -> Job {
        .accept(sink: sink, request: nextRequest(sink))
    }

    private func nextRequest(_ sink: String) -> Int {
        requests.withLock { requests in
            requests[sink, default: 0] += 1
            return requests[sink]!
        }
    }

    /// Stops the sync helpers and makes deferred seen entries durable, so the next start needs
    /// no spool scan for them.
    package func close() {
        state.syncer.close()
        do throws(SpoolError) {
            try dedupe.syncDeferred()
        } catch {
            health.withLock { $0 = error }
        }
    }

    /// Figures per sink, as of the last batch.
    package func statistics() -> [String: SpoolStats] { stats.withLock { $0 } }

    /// What a reader of `sink` may consume now.
    package func commitMark(sink: String) -> CommitMark {
        stats.withLock { stats in
            let entry = stats[sink] ?? SpoolStats()
            return CommitMark(nextSequence: entry.nextSequence, rollbacks: entry.rollbacks, tailFirst: entry.tailFirst)
        }
    }

    /// A reader deleted `bytes` of `sink`'s segments; applied before the next commit.
    package func segmentsDeleted(sink: String, bytes: Int) {
        freed.withLock { $0[sink, default: 0] += bytes }
    }

    /// The error of the last commit, if it failed; nil once a later commit succeeds.
    package var lastError: SpoolError? { health.withLock { $0 } }

    /// Sinks whose spool refuses appends for its cap now (with the refusal): each stays here
    /// until space is freed in its spool or an append to it commits.
    package var fullSpools: [String: SpoolError] { full.withLock { $0 } }

    /// Whether `sink` cannot take records now: the disk is full, or its spool is at its cap.
    /// Its reader then frees what it can, retiring a drained tail if need be.
    package func isOutOfSpace(sink: String) -> Bool {
        if lastError?.code == .diskFull || lastError?.code == .spoolFull { return true }
        return full.withLock { $0[sink] != nil }
    }
}
