import RelayCore

/// Everything the writer thread owns: the open spools and the commit algorithm.
final class WriterState {
    let configuration: GroupCommitWriter.Configuration
    let dedupe: any DedupeStore
    /// Cluster mode's shared claims; nil when this instance dedupes alone.
    let claims: (any SharedClaims)?
    let spoolRoot: String
    private var spools: [String: SinkSpool] = [:]
    private var rollbacks: [String: Int] = [:]
    /// Outcomes decided by the last commit, given to their callers by ``takeAnswers()`` once the
    /// commit marks are published (a caller told "durable" then sees its record below the mark).
    private var answers: [(AppendCompletion, Result<AppendOutcome, SpoolError>)] = []
    /// Sinks whose cap refused an append in the last commit, with the refusal.
    private var capRefusals: [String: SpoolError] = [:]
    /// Sinks that got records in the commits since the last ``takeStoredSinks()``.
    private var storedSinks = Set<String>()
    /// Cluster mode: batches whose claims' outcome is not known yet.
    let unresolved = UnresolvedClaims()
    /// Dedupe keys found to belong to another instance since the last ``takeElsewhere()``.
    var elsewhere = Set<String>()

    /// Sinks whose route was removed, with their final commit mark: appends naming them are refused.
    private(set) var closedSinks: [String: (mark: UInt64, request: Int)] = [:]

    /// Appends naming `sink` are refused from now on; its commit mark stays where it is.
    func stopAccepting(sink: String, request: Int) {
        closedSinks[sink] = (spools[sink]?.nextSequence ?? 1, request)
    }

    /// Appends naming `sink` are taken again.
    func accept(sink: String) {
        closedSinks[sink] = nil
    }
    /// Syncs a batch's files together.
    let syncer: ParallelSync

    init(
        configuration: GroupCommitWriter.Configuration, dedupe: any DedupeStore, claims: (any SharedClaims)?
    ) throws(SpoolError) {
        self.configuration = configuration
        self.dedupe = dedupe
        self.claims = claims
        self.spoolRoot = DataDirectory(configuration.dataDirectory).spools
        self.syncer = ParallelSync(maxHelpers: configuration.syncHelpers)
        try configuration.fileSystem.makeDirectories(spoolRoot)
    }

    /// The spool of `name`, opened (and recovered) on first use.
    func spool(named name: String) throws(SpoolError) -> SinkSpool {
        if let spool = spools[name] { return spool }
        let spool = try SinkSpool(
            name: name, directory: spoolRoot + "/" + name, segmentBytes: configuration.segmentBytes,
            integrity: configuration.integrity, fileSystem: configuration.fileSystem)
        spools[name] = spool
        return spool
    }

    func answer(_ completion: @escaping AppendCompletion, _ result: Result<AppendOutcome, SpoolError>) {
        answers.append((completion, result))
    }

    /// The sinks that got records since the last call.
    func takeStoredSinks() -> Set<String> {
        defer { storedSinks = [] }
        return storedSinks
    }

    /// The sinks whose cap refused an append since the last call.
    func takeCapRefusals() -> [String: SpoolError] {
        defer { capRefusals = [:] }
        return capRefusals
    }

    /// The outcomes decided since the last call, to hand to their callers.
    func takeAnswers() -> [(AppendCompletion, Result<AppendOutcome, SpoolError>)] {
        defer { answers = [] }
        return answers
    }

    func segmentsDeleted(sink: String, bytes: Int) {
        spools[sink]?.segmentsDeleted(bytes: bytes)
    }

    /// Starts a new tail for `sink` if its records below `drainedThrough` are all it holds (no
    /// append since the reader looked). The keys in the old tail are recoverable only from it, so
    /// deferred seen entries are synced first (invariant 1 of `SpoolFormat.swift`). Returns
    /// whether a new tail was started.
    func retireTail(sink: String, drainedThrough: UInt64) throws(SpoolError) -> Bool {
        guard let spool = spools[sink], spool.nextSequence == drainedThrough, spool.tailHoldsRecords,
            unresolved.isEmpty
        else {
            return false
        }
        try dedupe.syncDeferred()
        try spool.startNewTail()
        return true
    }

    func snapshot() -> [String: SpoolStats] {
        var out: [String: SpoolStats] = [:]
        // Records of a batch whose claims' outcome is unknown are not for readers yet.
        let hidden = unresolved.hiddenFrom
        for (name, spool) in spools {
            out[name] = SpoolStats(
                bytes: spool.totalBytes, segments: spool.segments.count,
                nextSequence: min(spool.nextSequence, hidden[name] ?? .max), rollbacks: rollbacks[name] ?? 0,
                tailFirst: spool.tailFirst)
        }
        return out
    }

    typealias Append = (request: AppendRequest, completion: AppendCompletion)

    /// Frames every request's records per sink and checks the spool caps (no I/O but opening
    /// spools). Requests that do not fit are answered with their error and left out.
    ///
    /// Each request's record is encoded once and shared by every spool it goes to; its copies
    /// differ only in the sequence, which is written when the spool's records are framed.
    func plan(_ batch: [Append]) -> (sinks: [String: SinkBatch], accepted: [Append]) {
        var sinkBatches: [String: SinkBatch] = [:]
        var accepted: [Append] = []
        accepted.reserveCapacity(batch.count)
        var distinct: [String] = []
        for (request, completion) in batch {
            do throws(SpoolError) {
                guard unresolved.isEmpty else {
                    throw SpoolError(
                        code: .claimUnresolved,
                        message: "the outcome of an earlier batch's shared claims is still unknown; retry")
                }
                distinct.removeAll(keepingCapacity: true)
                for sink in request.sinks where !distinct.contains(sink) {
                    guard closedSinks[sink] == nil else {
                        throw SpoolError(
                            code: .routeRemoved,
                            message: "route '\(sink)' was removed while the event was being stored; "
                                + "a retry is routed by the routes in force")
                    }
                    distinct.append(sink)
                }
                guard !distinct.isEmpty else {
                    accepted.append((request, completion))
                    continue
                }
                let payload = SpoolRecord(
                    sequence: 0, acceptedAtMillis: request.acceptedAtMillis, dedupeKey: request.dedupeKey,
                    eventType: request.eventType, body: request.body,
                    fanOut: request.marksSeen ? distinct.count : SpoolRecord.replayFanOut
                ).encoded()
                let framedBytes = Frame.headerBytes + payload.count
                // All or nothing: every spool must have room before any gets the record.
                for sink in distinct {
                    let spool = try spool(named: sink)
                    let after = spool.totalBytes + (sinkBatches[sink]?.bytes ?? 0) + framedBytes
                    guard after <= configuration.maxSpoolBytes else {
                        let error = SpoolError(
                            code: .spoolFull,
                            message: "spool of sink '\(sink)' is at its cap of \(configuration.maxSpoolBytes) bytes")
                        capRefusals[sink] = error
                        throw error
                    }
                }
                for sink in distinct {
                    let first = try spool(named: sink).nextSequence
                    sinkBatches[sink, default: SinkBatch(firstSequence: first)].append(payload)
                }
                accepted.append((request, completion))
            } catch {
                answer(completion, .failure(error))
            }
        }
        return (sinkBatches, accepted)
    }

    /// The job that frames `batch`'s records, writes them at `offset` and syncs the file.
    private static func writeAndSync(_ batch: SinkBatch, at offset: Int, to target: ParallelSync.Target)
        -> ParallelSync.Job
    {
        {
            try AppendFile.write(batch.framed(), at: offset, to: target)
            try ParallelSync.dataSync(target)
        }
    }

    /// Commits one batch (invariants 1, 2 of `SpoolFormat.swift`; in cluster mode 7: the 200s
    /// come only after the shared claims committed). Returns the batch's error if the whole
    /// batch failed, or the seen log's if writing it failed (the routed events stand then).
    func commit(_ batch: [(AppendRequest, AppendCompletion)]) -> SpoolError? {
        let now = configuration.clock()
        var planned = plan(batch)
        guard !planned.accepted.isEmpty else { return nil }
        var transaction: (any ClaimTransaction)?
        if let claims {
            do throws(SpoolError) {
                transaction = try claim(&planned, claims: claims, nowMillis: now)
            } catch {
                for (_, completion) in planned.accepted { answer(completion, .failure(error)) }
                return error
            }
        }
        let (sinkBatches, accepted) = planned
        guard !accepted.isEmpty else {
            transaction?.rollBack()
            return nil
        }

        var written: [(SinkSpool, AppendFile, Int, UInt64)] = []
        func fail(_ error: SpoolError) -> SpoolError {
            transaction?.rollBack()
            for (spool, file, length, sequence) in written.reversed() {
                spool.rollBack(file: file, to: length, sequence: sequence)
                rollbacks[spool.name, default: 0] += 1
            }
            for (_, completion) in accepted { answer(completion, .failure(error)) }
            return error
        }
        let seen = accepted.map(\.request).filter(\.marksSeen)
        let routed = seen.filter { !$0.sinks.isEmpty }.map {
            SeenEntry(key: $0.seenKey, acceptedAtMillis: $0.acceptedAtMillis)
        }
        let unrouted = seen.filter(\.sinks.isEmpty).map {
            SeenEntry(key: $0.seenKey, acceptedAtMillis: $0.acceptedAtMillis)
        }
        do throws(SpoolError) {
            // Keys recorded with a deferred sync are recoverable only from tail segments: make
            // them durable before any tail is replaced.
            if sinkBatches.keys.contains(where: { spools[$0]?.rollsOnNextAppend == true }) {
                try dedupe.syncDeferred()
            }
            // Room is reserved in each spool here; framing, writing and syncing each spool's
            // records is one job, and the jobs run in parallel (one spool: on this thread).
            var jobs: [ParallelSync.Job] = []
            for (sink, pending) in sinkBatches.sorted(by: { $0.key < $1.key }) {
                let spool = try spool(named: sink)
                let (file, before) = try spool.reserve(
                    bytes: pending.bytes, firstSequence: pending.firstSequence, count: pending.count)
                // Bytes of a failed batch that readers could see (their cutting off had failed)
                // are overwritten now: readers must drop what they read ahead.
                if file.takeLateCut() { rollbacks[spool.name, default: 0] += 1 }
                written.append((spool, file, before, pending.firstSequence))
                jobs.append(Self.writeAndSync(pending, at: before, to: file.syncTarget))
            }
            try syncer.run(jobs)
            if let transaction {
                try transaction.commit()
            }
        } catch {
            if error.code == .claimUnresolved, let transaction {
                // The claims may yet commit: the records stay, durable and hidden, until it is known.
                keepUnresolved(transaction, accepted: accepted, written: written)
                for (_, completion) in accepted { answer(completion, .failure(error)) }
                return error
            }
            return fail(error)
        }
        // Only now, with every record durable, may the keys become "seen" (invariant 2). A routed
        // event's records in the tail segments are its durable acceptance (recovery restores its
        // key from them), so its seen entry's sync may wait, and if even the write fails the
        // event stands: its key is seen at once and written back before any tail is replaced.
        // Never rolled back for the log: bytes a failed write left (if cutting them off failed
        // too) must never name an event that is not stored. An unrouted event has no record:
        // its entry is synced in the commit, or the event is refused.
        var seenLogError: SpoolError?
        var unroutedFailed = false
        if !routed.isEmpty {
            do throws(SpoolError) {
                try dedupe.recordDurable(routed, nowMillis: now, deferSync: true)
            } catch {
                dedupe.restore(routed, nowMillis: now)
                seenLogError = error
            }
        }
        if !unrouted.isEmpty {
            do throws(SpoolError) {
                try dedupe.recordDurable(unrouted, nowMillis: now, deferSync: false)
            } catch {
                // In cluster mode the claims have committed: the shared store holds the
                // acceptance, so the events stand. Alone, the seen log is their only record.
                if transaction != nil {
                    dedupe.restore(unrouted, nowMillis: now)
                } else {
                    unroutedFailed = true
                }
                seenLogError = error
            }
        }
        for (request, completion) in accepted {
            if unroutedFailed, request.marksSeen, request.sinks.isEmpty, let seenLogError {
                answer(completion, .failure(seenLogError))
            } else {
                storedSinks.formUnion(request.sinks)
                answer(completion, .success(.stored))
            }
        }
        return seenLogError
    }
}
