import Logging
import RelayCore
import Spool
import Synchronization

/// The thread a ``SinkWorker`` runs: it feeds the sink's ``DeliveryScheduler`` and performs
/// what it decides (reads, sends, acknowledgements, dead letters), and owns the spool reader.
final class WorkerLoop {
    typealias Scheduler = DeliveryScheduler<SystemDeliveryClock>

    private let route: Route
    private let writer: GroupCommitWriter
    private let dispatcher: CurlDispatcher
    private let reader: SpoolReader
    private let deadLetters: DeadLetterLog
    private let sink: any Sink
    private var scheduler: Scheduler
    /// The records the scheduler holds, by sequence, until they are acknowledged.
    private var records: [UInt64: SpoolRecord] = [:]
    private let clock = SystemDeliveryClock()
    private let inbox: BlockingQueue<SinkWorker.Event>
    private let status: StatusBox
    private let logger: Logger
    private let observer: (any DeliveryObserver)?
    private let space: SpaceReclaimer
    /// The dispatcher lane this sink keeps to, if it sends one request at a time.
    private let laneAffinity: Int?

    init(
        route: Route, sink: any Sink, writer: GroupCommitWriter, dispatcher: CurlDispatcher, dataDirectory: String,
        deadLetters: DeadLetterLog, logger: Logger, inbox: BlockingQueue<SinkWorker.Event>, status: StatusBox,
        observer: (any DeliveryObserver)?
    ) throws {
        self.route = route
        self.observer = observer
        self.writer = writer
        self.dispatcher = dispatcher
        self.inbox = inbox
        self.status = status
        var logger = logger
        logger[metadataKey: "relay.sink"] = "\(route.name)"
        self.logger = logger
        reader = try SpoolReader(
            sink: route.name, directory: DataDirectory(dataDirectory).spool(route.name),
            integrity: writer.configuration.integrity, fileSystem: writer.configuration.fileSystem
        ) {
            [writer] bytes in
            writer.segmentsDeleted(sink: route.name, bytes: bytes)
        }
        self.deadLetters = deadLetters
        self.sink = sink
        scheduler = Scheduler(
            configuration: .init(
                retry: route.retry, rate: route.rate, window: sink.window(concurrency: route.concurrency)),
            clock: clock)
        space = SpaceReclaimer(sink: route.name, writer: writer, logger: logger)
        // One request at a time: keep to one dispatcher lane, and so to one connection.
        laneAffinity = route.concurrency <= 1 ? route.name.hashValue : nil
    }

    func run() {
        var deadline = clock.now
        while true {
            var stopping = false
            for event in inbox.take(deadline: deadline) ?? [] {
                switch event {
                case .wake: break
                case .resume: perform(scheduler.resume())
                case .stop: stopping = true
                case .completed(let sequence, let result): perform(scheduler.finished(sequence, sink.interpret(result)))
                }
            }
            if stopping { break }
            refill()
            perform(scheduler.poll())
            space.reclaimIfOutOfSpace(reader: reader) { note(error: $0) }
            publish()
            deadline = scheduler.nextWake()
        }
        inbox.close()
        perform(scheduler.stop())
        publish()
    }

    private func refill() {
        let limit = scheduler.takeCapacity()
        guard limit > 0 else { return }
        let elsewhere = writer.acceptedElsewhere
        do {
            for record in try reader.next(limit: limit, committed: writer.commitMark(sink: route.name)) {
                if !elsewhere.isEmpty, elsewhere.contains(record.dedupeKey) {
                    // Cluster mode: a crash cut this instance's claim short and another instance
                    // accepted the event; that one delivers it.
                    logger.notice(
                        "skipped: another instance accepted this event",
                        metadata: ["relay.event.id": "\(record.dedupeKey)"])
                    perform(scheduler.skip(record.sequence))
                    continue
                }
                records[record.sequence] = record
                scheduler.add(record.sequence, acceptedAtMillis: record.acceptedAtMillis)
            }
        } catch {
            note(error: "reading the spool failed: \(error)")
        }
    }

    private func perform(_ actions: [Scheduler.Action]) {
        for action in actions {
            switch action {
            case .send(let sequences): send(sequences)
            case .attempted(let attempt): record(attempt)
            case .failed(let reason): note(error: reason)
            case .deadLetter(let sequence, let reason, let attempts, let last):
                writeDeadLetter(sequence, reason: reason, attempts: attempts, last: last)
            case .acknowledge(let sequence, let settlement): acknowledge(sequence, settlement)
            case .flushAcknowledgements: flushAcknowledgements()
            case .paused(let reason):
                logger.error(
                    "sink paused: endpoint gone; resume by replay or reload", metadata: ["relay.reason": "\(reason)"])
            case .resumed(let reason):
                if let reason { logger.notice("sink resumed", metadata: ["relay.reason": "\(reason)"]) }
            case .circuitOpened(let reason):
                logger.warning(
                    "circuit open: the sink keeps failing; only its oldest event is retried until it gets through",
                    metadata: ["relay.reason": "\(reason)"])
            case .circuitClosed: logger.notice("circuit closed: the sink answered")
            }
        }
    }

    private func send(_ sequences: [UInt64]) {
        let due = sequences.compactMap { records[$0] }
        for (record, attempt) in zip(due, sink.attempt(due, atMillis: clock.wallMillis)) {
            switch attempt {
            case .request(let request): submit(record.sequence, request)
            case .finished(let result): perform(scheduler.finished(record.sequence, sink.interpret(result)))
            case .skip(let reason):
                logger.debug(
                    "nothing to send; skipped",
                    metadata: ["relay.event.id": "\(record.dedupeKey)", "relay.reason": "\(reason)"])
                perform(scheduler.skip(record.sequence))
            case .deadLetter(let reason): perform(scheduler.deadLetterNow(record.sequence, reason: reason))
            }
        }
    }

    private func submit(_ sequence: UInt64, _ request: OutboundRequest) {
        let inbox = self.inbox
        dispatcher.submit(request, affinity: laneAffinity) { result, _ in inbox.push(.completed(sequence, result)) }
    }

    private func record(_ attempt: Scheduler.Attempt) {
        let now = clock.wallMillis
        guard let record = records[attempt.sequence] else { return }
        var entry = DeliveryAttempt(
            atMillis: now, eventID: record.dedupeKey, eventType: record.eventType, attempt: attempt.number,
            outcome: attempt.outcome, status: nil, error: nil, latency: attempt.latency, responseExcerpt: "")
        switch attempt.result {
        case .response(let code, _, let excerpt):
            entry.status = code
            entry.responseExcerpt = excerpt
        case .transportFailure(let kind, let message):
            entry.error = "\(kind.rawValue): \(message)"
        }
        status.recent.withLock { $0.record(entry) }
        status.activity.withLock { $0.record(attempt.outcome, atMillis: now) }
        observer?.attempted(sink: route.name, outcome: attempt.outcome, latency: attempt.latency)
        if attempt.outcome == .delivered {
            observer?.delivered(sink: route.name, endToEnd: .milliseconds(max(0, now - record.acceptedAtMillis)))
        }
    }

    private func writeDeadLetter(_ sequence: UInt64, reason: String, attempts: Int, last: DeliveryResult?) {
        guard let record = records[sequence] else { return }
        var status: Int?
        var error = ""
        var excerpt = ""
        switch last {
        case .response(let code, _, let body)?:
            status = code
            excerpt = body
        case .transportFailure(let kind, let message)?:
            error = "\(kind.rawValue): \(message)"
        case nil:
            break
        }
        let letter = DeadLetter(
            sink: route.name, sequence: sequence, dedupeKey: record.dedupeKey, eventType: record.eventType,
            acceptedAtMillis: record.acceptedAtMillis, deadAtMillis: clock.wallMillis, attempts: attempts,
            lastStatus: status, lastError: error, responseExcerpt: excerpt, reason: reason, body: record.body)
        do {
            try deadLetters.append([letter])
        } catch {
            // Keep the record; it is tried again after the backoff floor.
            note(error: "writing a dead letter failed: \(error)")
            scheduler.deadLetterFailed(sequence)
            return
        }
        logger.warning(
            "event dead-lettered",
            metadata: [
                "relay.event.id": "\(record.dedupeKey)", "relay.reason": "\(reason)", "relay.attempts": "\(attempts)",
            ])
        observer?.deadLettered(sink: route.name)
        perform(scheduler.deadLetterWritten(sequence))
    }

    private func acknowledge(_ sequence: UInt64, _ settlement: Scheduler.Settlement) {
        records[sequence] = nil
        reader.acknowledge(sequence)
        status.value.withLock { status in
            switch settlement {
            case .delivered: status.delivered += 1
            case .deadLettered: status.deadLetters += 1
            case .skipped: status.skipped += 1
            }
        }
    }

    private func flushAcknowledgements() {
        do throws(SpoolError) {
            try reader.flush(committed: writer.commitMark(sink: route.name))
            scheduler.acknowledgementsFlushed(true)
            space.acknowledgementsFlushed(outOfSpace: false)
        } catch {
            scheduler.acknowledgementsFlushed(false)
            space.acknowledgementsFlushed(outOfSpace: error.code == .diskFull)
            note(error: "flushing acknowledgements failed: \(error)")
        }
    }

    private func note(error: String) {
        let now = clock.wallMillis
        status.value.withLock {
            $0.lastError = error
            $0.lastErrorAtMillis = now
        }
    }

    private func publish() {
        let inFlight = scheduler.heldCount
        let paused = scheduler.pausedReason
        let mark = writer.commitMark(sink: route.name)
        let depth = reader.pendingCount(committed: mark)
        let oldest = scheduler.oldestAcceptedAtMillis
        let failures = scheduler.consecutiveFailures
        let circuitOpen = scheduler.circuitOpen
        let snapshot = status.value.withLock { status in
            status.inFlight = inFlight
            status.paused = paused
            status.consecutiveFailures = failures
            status.circuitOpen = circuitOpen
            status.depth = depth
            status.committedThrough = mark.nextSequence
            status.oldestAcceptedAtMillis = oldest
            return status
        }
        observer?.state(sink: route.name, status: snapshot)
    }
}
