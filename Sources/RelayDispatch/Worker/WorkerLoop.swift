import Logging
import RelayCore
import Spool
import Synchronization

/// What a ``SinkWorker``'s thread runs: it feeds the sink's ``DeliveryScheduler`` and performs
/// what it decides (reads, sends, acknowledgements, dead letters) through the sink's
/// ``SinkQueue``, the storage seam. It knows no files, threads or sockets: the worker's thread
/// calls ``turn(_:)`` with what its inbox held and waits until the instant it returns, and tests
/// call it with a manual clock.
final class WorkerLoop<Clock: DeliveryClock> {
    typealias Scheduler = DeliveryScheduler<Clock>

    private let route: Route
    private let queue: any SinkQueue
    private let dispatcher: any RequestDispatcher
    private let sink: any Sink
    private var scheduler: Scheduler
    /// The records the scheduler holds, by sequence, until they are acknowledged.
    private var records: [UInt64: SpoolRecord] = [:]
    private let clock: Clock
    /// Where an attempt's result goes: the worker's inbox, back to the next turn.
    private let completed: @Sendable (SinkWorker.Event) -> Void
    private let status: StatusBox
    private let logger: Logger
    private let observer: (any DeliveryObserver)?
    /// The dispatcher lane this sink keeps to, if it sends one request at a time.
    private let laneAffinity: Int?

    init(
        route: Route, sink: any Sink, queue: any SinkQueue, dispatcher: any RequestDispatcher, clock: Clock,
        logger: Logger, status: StatusBox, observer: (any DeliveryObserver)?,
        completed: @escaping @Sendable (SinkWorker.Event) -> Void
    ) {
        self.route = route
        self.observer = observer
        self.queue = queue
        self.dispatcher = dispatcher
        self.clock = clock
        self.completed = completed
        self.status = status
        var logger = logger
        logger[metadataKey: "relay.sink"] = "\(route.name)"
        self.logger = logger
        self.sink = sink
        scheduler = Scheduler(
            configuration: .init(
                retry: route.retry, rate: route.rate, window: sink.window(concurrency: route.concurrency)),
            clock: clock)
        // One request at a time: keep to one dispatcher lane, and so to one connection.
        laneAffinity = route.concurrency <= 1 ? route.name.hashValue : nil
    }

    /// One turn: applies `events`, reads what the scheduler has room for, sends what is due,
    /// frees space if it ran out, and publishes the status. Returns when to run the next turn at
    /// the latest (sooner if an event comes), or nil once `events` held `.stop`: then no new
    /// attempt starts, acknowledgements are flushed, and the loop is done.
    func turn(_ events: [SinkWorker.Event]) -> MonotonicInstant? {
        var stopping = false
        for event in events {
            switch event {
            case .wake: break
            case .resume: perform(scheduler.resume())
            case .stop: stopping = true
            case .completed(let sequence, let result): perform(scheduler.finished(sequence, sink.interpret(result)))
            }
        }
        if stopping {
            perform(scheduler.stop())
            publish()
            return nil
        }
        refill()
        perform(scheduler.poll())
        reclaimSpace()
        publish()
        return scheduler.nextWake()
    }

    private func reclaimSpace() {
        do throws(SpoolError) {
            if let end = try queue.reclaimSpace() {
                logger.notice(
                    "out of space with every event delivered: retiring the spool's tail segment to free it",
                    metadata: ["relay.sequence": "\(end)"])
            }
        } catch {
            note(error: "freeing delivered segments failed: \(error)")
        }
    }

    private func refill() {
        let limit = scheduler.takeCapacity()
        guard limit > 0 else { return }
        let elsewhere = queue.acceptedElsewhere
        do {
            for record in try queue.next(limit: limit) {
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
        let completed = self.completed
        dispatcher.submit(request, affinity: laneAffinity) { result, _ in completed(.completed(sequence, result)) }
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
            try queue.writeDeadLetter(letter)
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
        queue.acknowledge(sequence)
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
            try queue.flushAcknowledgements()
            scheduler.acknowledgementsFlushed(true)
        } catch {
            scheduler.acknowledgementsFlushed(false)
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
        let depth = queue.depth
        let oldest = scheduler.oldestAcceptedAtMillis
        let failures = scheduler.consecutiveFailures
        let circuitOpen = scheduler.circuitOpen
        let snapshot = status.value.withLock { status in
            status.inFlight = inFlight
            status.paused = paused
            status.consecutiveFailures = failures
            status.circuitOpen = circuitOpen
            status.depth = depth.pending
            status.committedThrough = depth.committedThrough
            status.oldestAcceptedAtMillis = oldest
            return status
        }
        observer?.state(sink: route.name, status: snapshot)
    }
}
