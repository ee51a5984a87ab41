import RelayCore
import SimulatedDisk
import Spool
import Synchronization

/// Accepting, committing, delivering and replaying, as the ingress, the writer and the workers
/// do it, with the model's bookkeeping.
extension ModelRun {
    /// Answers that came out of a commit: event id, its result, and whether the process had
    /// already crashed (then no answer went out).
    final class Answers: Sendable {
        typealias Answer = (id: Int, result: Result<AppendOutcome, SpoolError>, dead: Bool)
        private let list = Mutex<[Answer]>([])

        func append(_ answer: Answer) { list.withLock { $0.append(answer) } }

        /// Takes the answers `which` selects, leaving the others.
        func take(_ which: (Answer) -> Bool = { _ in true }) -> [Answer] {
            list.withLock { list in
                let taken = list.filter(which)
                list.removeAll(where: which)
                return taken
            }
        }
    }

    func submit(_ events: [ModelStep.Event]) {
        guard let process else { return }
        for event in events {
            guard !process.inFlight.contains(event.id) else { continue }
            if process.dedupe.contains(DedupeKey(Self.key(event.id)), nowMillis: now) {
                guard let tried = attempts[event.id] else {
                    return fail(
                        .duplicateWithoutCommit, "event \(event.id) is a duplicate but never reached the writer")
                }
                // A duplicate promises delivery as much as a 200 does: some attempt's commit was
                // complete (a failed one may have left complete records), so all of its routes.
                acknowledged.insert(event.id)
                if mustDeliver[event.id] == nil { mustDeliverOneOf[event.id] = tried }
                continue
            }
            if acknowledged.contains(event.id) {
                return fail(.acceptedTwice, "event \(event.id) was acknowledged, and its retry is not a duplicate")
            }
            var sinks: [String] = []
            for index in event.routes where !table.isEmpty {
                let name = table[index % table.count]
                if !sinks.contains(name) { sinks.append(name) }
            }
            lastAttempt[event.id] = sinks
            if !(attempts[event.id]?.contains(sinks) ?? false) { attempts[event.id, default: []].append(sinks) }
            process.inFlight.insert(event.id)
            queue(request(event.id, sinks: sinks), id: event.id, into: process)
        }
    }

    private func queue(_ request: AppendRequest, id: Int, into process: ModelProcess) {
        let answers = pendingAnswers
        let disk = self.disk
        process.queued.append(
            .append(request) { result in answers.append((id, result, disk.crashed)) })
    }

    /// The writer performs what is queued; the answers are taken into the model.
    func commit() {
        guard let process else { return }
        process.commit()
        takeAnswers()
    }

    func takeAnswers() {
        for answer in pendingAnswers.take() {
            process?.inFlight.remove(answer.id)
            trace("answer \(answer.id): \(answer.result)\(answer.dead ? " (process dead, not sent)" : "")")
            guard !answer.dead else { continue }
            switch answer.result {
            case .success:
                let sinks = lastAttempt[answer.id] ?? []
                acknowledged.insert(answer.id)
                statistics.acknowledged += 1
                mustDeliver[answer.id, default: []].formUnion(sinks)
                mustDeliverOneOf[answer.id] = nil
                for sink in sinks where reaped.contains(sink) {
                    fail(.stranded, "event \(answer.id) was committed to '\(sink)', whose worker had been stopped")
                }
            case .failure:
                statistics.refusals += 1
            }
        }
    }

    func deliver(route: Int, count: Int, outcome: ModelStep.Outcome) {
        guard let process, let name = workerName(route), let worker = process.workers[name] else { return }
        var batch = worker.held
        worker.held = []
        if batch.count < count {
            do {
                let records = try worker.reader.next(
                    limit: count - batch.count, committed: process.engine.commitMark(sink: name))
                for record in records where durableAcks[name]?.contains(record.sequence) == true {
                    return fail(
                        .redelivered, "'\(name)' handed out sequence \(record.sequence) after its ack was durable")
                }
                batch += records
            } catch {}
        }
        for (index, record) in batch.enumerated() {
            guard index < count else {
                worker.held.append(record)
                continue
            }
            settle(record, outcome: outcome, route: name, worker: worker, process: process)
        }
    }

    private func settle(
        _ record: SpoolRecord, outcome: ModelStep.Outcome, route: String, worker: ModelProcess.Worker,
        process: ModelProcess
    ) {
        switch outcome {
        case .ok:
            delivered[route, default: [:]][Self.id(record.dedupeKey)] = step
            statistics.deliveries += 1
            worker.reader.acknowledge(record.sequence)
            worker.acknowledged.append(record.sequence)
        case .dead:
            let letter = DeadLetter(
                sink: route, sequence: record.sequence, dedupeKey: record.dedupeKey, eventType: record.eventType,
                acceptedAtMillis: record.acceptedAtMillis, deadAtMillis: now, attempts: 1, lastStatus: 400,
                lastError: "", responseExcerpt: "bad request", reason: "permanent failure: HTTP 400",
                body: record.body)
            do {
                try process.deadLetters(route).append([letter])
                worker.reader.acknowledge(record.sequence)
                worker.acknowledged.append(record.sequence)
            } catch {
                worker.held.append(record)
            }
        case .hold:
            worker.held.append(record)
        }
    }

    func flush(_ name: String) {
        guard let process, let worker = process.workers[name] else { return }
        do {
            try worker.reader.flush(committed: process.engine.commitMark(sink: name))
            guard !disk.crashed else { return }
            durableAcks[name, default: []].formUnion(worker.acknowledged)
            worker.acknowledged = []
        } catch {}
    }

    func reclaim(_ route: Int) {
        guard let process, let name = workerName(route), let worker = process.workers[name],
            process.engine.isOutOfSpace(sink: name),
            let end = worker.reader.drainedTail(committed: process.engine.commitMark(sink: name))
        else { return }
        process.queued.append(.retireTail(sink: name, drainedThrough: end))
    }

    /// As the replayer does: the chosen letters go back into the spool (one group commit, waited
    /// for), then the replayed ones are marked.
    func replay(route: Int, count: Int) {
        guard let process, let name = workerName(route), let log = try? process.deadLetters(name) else { return }
        let selection = log.select(DeadLetterLog.Filter())
        guard let entries = try? log.entries(selection.slice(0..<min(count, selection.count))), !entries.isEmpty
        else { return }
        for entry in entries {
            let id = Self.id(entry.letter.dedupeKey)
            queue(request(id, sinks: [name], marksSeen: false), id: -1 - id, into: process)
        }
        process.commit()
        let answers = pendingAnswers.take { $0.id < 0 }
        takeAnswers()
        let stored = Set(answers.filter { !$0.dead && (try? $0.result.get()) != nil }.map { -1 - $0.id })
        let marks = Dictionary(
            entries.filter { stored.contains(Self.id($0.letter.dedupeKey)) }.map {
                ($0.letter.dedupeKey, $0.unreplayed)
            },
            uniquingKeysWith: { $0.union($1) })
        do {
            try log.markReplayed(marks, atMillis: now)
            guard !disk.crashed else { return }
            for key in marks.keys { replayed[name, default: [:]][Self.id(key)] = step }
        } catch {}
    }
}
