import Logging
import RelayCore
import Spool
import Synchronization

/// The state a ``SinkWorker``'s thread owns, and its loop.
final class WorkerLoop {
    private enum Target {
        case http(HTTPSinkRequestBuilder)
        case slack(SlackSinkRequestBuilder)
        case file(FileSinkWriter)
    }

    private struct Attempt {
        var record: SpoolRecord
        var attempts = 0
        var dueNanos: UInt64
        var sending = false
        var sentNanos: UInt64 = 0
        var last: DeliveryResult?
    }

    private let route: Route
    private let writer: GroupCommitWriter
    private let dispatcher: CurlDispatcher
    private let reader: SpoolReader
    private let deadLetters: DeadLetterLog
    private let target: Target
    private let machine: RetryMachine
    private var bucket: TokenBucket?
    private let window: Int
    private let inbox: WorkerInbox<SinkWorker.Event>
    private let status: StatusBox
    private let logger: Logger
    private let observer: (any DeliveryObserver)?
    private var attempts: [UInt64: Attempt] = [:]
    private var paused: String?
    private var consecutiveFailures = 0
    private var circuitOpen: Bool { consecutiveFailures >= Self.circuitThreshold }
    private var firstUnflushedAck: UInt64?
    /// The last flush of acknowledgements failed for lack of space.
    private var acksOutOfSpace = false
    /// The tail end this worker asked the writer to retire (see ``freeSpaceIfOutOfSpace()``).
    private var retireRequested: UInt64?
    private var rng = SystemRandomNumberGenerator()

    /// Consecutive retryable failures that open the circuit: then only the oldest record is
    /// retried (the probe) until a delivery succeeds.
    static let circuitThreshold = 5

    init(
        route: Route, writer: GroupCommitWriter, dispatcher: CurlDispatcher, dataDirectory: String,
        deadLetters: DeadLetterLog, logger: Logger, inbox: WorkerInbox<SinkWorker.Event>, status: StatusBox,
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
            sink: route.name, directory: dataDirectory + "/spool/" + route.name,
            integrity: writer.configuration.integrity
        ) {
            [writer] bytes in
            writer.segmentsDeleted(sink: route.name, bytes: bytes)
        }
        self.deadLetters = deadLetters
        switch route.sink {
        case .http(let url, let headers, let secret):
            target = .http(
                try HTTPSinkRequestBuilder(url: url, headers: headers, signSecret: secret, timeout: route.timeout))
            window = route.concurrency
        case .slack(let url, let templates):
            target = .slack(SlackSinkRequestBuilder(url: url, templates: templates, timeout: route.timeout))
            window = route.concurrency
        case .file(let path, let maxBytes, let keep):
            target = .file(try FileSinkWriter(path: path, maxBytes: maxBytes, keep: keep))
            window = max(route.concurrency, 256)
        }
        machine = RetryMachine(policy: route.retry)
        bucket = route.rate.map { TokenBucket(rate: $0) }
    }

    func run() {
        var deadline = MonotonicClock.nowNanos()
        while true {
            var stopping = false
            for event in inbox.take(deadline: deadline) {
                switch event {
                case .wake: break
                case .resume:
                    if let reason = paused { logger.notice("sink resumed", metadata: ["relay.reason": "\(reason)"]) }
                    paused = nil
                    consecutiveFailures = 0
                case .stop: stopping = true
                case .completed(let sequence, let result): finish(sequence, result)
                }
            }
            if stopping { break }
            if paused == nil { refill() }
            deadline = sendDue()
            deadline = min(deadline, flushAcks(force: false))
            freeSpaceIfOutOfSpace()
            publish()
        }
        inbox.close()
        _ = flushAcks(force: true)
        publish()
    }

    private func refill() {
        guard attempts.count < window else { return }
        let elsewhere = writer.acceptedElsewhere
        do {
            let now = MonotonicClock.nowNanos()
            for record in try reader.next(
                limit: window - attempts.count, committed: writer.commitMark(sink: route.name))
            {
                if !elsewhere.isEmpty, elsewhere.contains(record.dedupeKey) {
                    // Cluster mode: a crash cut this instance's claim short and another instance
                    // accepted the event; that one delivers it.
                    logger.notice(
                        "skipped: another instance accepted this event",
                        metadata: ["relay.event.id": "\(record.dedupeKey)"])
                    reader.acknowledge(record.sequence)
                    status.value.withLock { $0.skipped += 1 }
                    if firstUnflushedAck == nil { firstUnflushedAck = MonotonicClock.nowNanos() }
                    continue
                }
                attempts[record.sequence] = Attempt(record: record, dueNanos: now)
            }
        } catch {
            note(error: "reading the spool failed: \(error)")
        }
    }

    /// Starts every attempt that is due (and allowed by the rate); returns when to look again.
    private func sendDue() -> UInt64 {
        let now = MonotonicClock.nowNanos()
        var next = now + 1_000_000_000
        // Paused: nothing is sent until a resume arrives through the inbox (which wakes the loop).
        guard paused == nil else { return next }
        var fileBatch: [UInt64] = []
        // An open circuit retries only its oldest record (the probe), on that record's own
        // backoff; the others wait for the probe to get through.
        let candidates = circuitOpen ? attempts.keys.min().map { [$0] } ?? [] : attempts.keys.sorted()
        for sequence in candidates {
            guard var attempt = attempts[sequence], !attempt.sending else { continue }
            guard attempt.dueNanos <= now else {
                next = min(next, attempt.dueNanos)
                continue
            }
            if var limiter = bucket {
                let wait = limiter.take(nowNanos: now)
                bucket = limiter
                if wait > 0 {
                    next = min(next, now + wait)
                    break
                }
            }
            attempt.attempts += 1
            attempt.sending = true
            attempt.sentNanos = now
            attempts[sequence] = attempt
            switch target {
            case .http(let builder):
                submit(sequence, builder.request(for: attempt.record, nowSeconds: WallClock.nowMillis() / 1000))
            case .slack(let builder):
                switch builder.request(for: attempt.record) {
                case .request(let request): submit(sequence, request)
                case .noTemplate(let type):
                    logger.debug(
                        "no template for this event type; nothing posted", metadata: ["relay.event.type": "\(type)"])
                    acknowledge(sequence, as: \.skipped)
                case .undecodable(let reason):
                    deadLetter(sequence, reason: reason, pause: false)
                }
            case .file:
                fileBatch.append(sequence)
            }
        }
        if case .file(let file) = target, !fileBatch.isEmpty {
            do {
                try file.append(fileBatch.map { attempts[$0]!.record.body })
                for sequence in fileBatch { finish(sequence, .response(status: 200, retryAfter: nil, bodyExcerpt: "")) }
            } catch {
                for sequence in fileBatch { finish(sequence, .transportFailure(.other, message: "\(error)")) }
            }
            next = now
        }
        return next
    }

    private func submit(_ sequence: UInt64, _ request: OutboundRequest) {
        let inbox = self.inbox
        dispatcher.submit(request) { result, _ in inbox.push(.completed(sequence, result)) }
    }

    private func finish(_ sequence: UInt64, _ result: DeliveryResult) {
        guard var attempt = attempts[sequence] else { return }
        attempt.sending = false
        attempt.last = result
        let now = WallClock.nowMillis()
        let latency = Duration.nanoseconds(Int64(MonotonicClock.nowNanos() - attempt.sentNanos))
        let decision = machine.decide(
            after: result, attempt: attempt.attempts, acceptedAtMillis: attempt.record.acceptedAtMillis, nowMillis: now,
            using: &rng)
        record(attempt, result: result, decision: decision, latency: latency, atMillis: now)
        countForCircuit(result)
        switch decision {
        case .delivered:
            observer?.attempted(sink: route.name, outcome: "delivered", latency: latency)
            observer?.delivered(
                sink: route.name, endToEnd: .milliseconds(max(0, now - attempt.record.acceptedAtMillis)))
            acknowledge(sequence, as: \.delivered)
        case .retry(let atMillis, let reason):
            observer?.attempted(sink: route.name, outcome: "retry", latency: latency)
            attempt.dueNanos = MonotonicClock.nowNanos() + UInt64(max(0, atMillis - now)) * 1_000_000
            attempts[sequence] = attempt
            note(error: reason)
        case .deadLetter(let reason):
            observer?.attempted(sink: route.name, outcome: "dead", latency: latency)
            attempts[sequence] = attempt
            deadLetter(sequence, reason: reason, pause: false)
        case .deadLetterAndPause(let reason):
            observer?.attempted(sink: route.name, outcome: "paused", latency: latency)
            attempts[sequence] = attempt
            deadLetter(sequence, reason: reason, pause: true)
        }
    }

    /// Retryable failures (5xx, 429, timeouts, connection errors) open the circuit, whether or
    /// not the record has retries left; any other answer shows the sink is up and closes it.
    private func countForCircuit(_ result: DeliveryResult) {
        guard case .retryable(let reason) = DeliveryClass.of(result) else {
            if circuitOpen { logger.notice("circuit closed: the sink answered") }
            consecutiveFailures = 0
            return
        }
        consecutiveFailures += 1
        if consecutiveFailures == Self.circuitThreshold {
            logger.warning(
                "circuit open: the sink keeps failing; only its oldest event is retried until it gets through",
                metadata: ["relay.reason": "\(reason)"])
        }
    }

    private func record(
        _ attempt: Attempt, result: DeliveryResult, decision: RetryMachine.Decision, latency: Duration, atMillis: Int64
    ) {
        let outcome: String
        switch decision {
        case .delivered: outcome = "delivered"
        case .retry: outcome = "retry"
        case .deadLetter: outcome = "dead"
        case .deadLetterAndPause: outcome = "paused"
        }
        var entry = DeliveryAttempt(
            atMillis: atMillis, eventID: attempt.record.dedupeKey, eventType: attempt.record.eventType,
            attempt: attempt.attempts, outcome: outcome, status: nil, error: nil, latency: latency,
            responseExcerpt: "")
        switch result {
        case .response(let status, _, let excerpt):
            entry.status = status
            entry.responseExcerpt = excerpt
        case .transportFailure(let kind, let message):
            entry.error = "\(kind.rawValue): \(message)"
        }
        status.recent.withLock { $0.record(entry) }
    }

    private func deadLetter(_ sequence: UInt64, reason: String, pause: Bool) {
        guard let attempt = attempts[sequence] else { return }
        var status: Int?
        var error = ""
        var excerpt = ""
        switch attempt.last {
        case .response(let code, _, let body)?:
            status = code
            excerpt = body
        case .transportFailure(let kind, let message)?:
            error = "\(kind.rawValue): \(message)"
        case nil:
            break
        }
        let record = attempt.record
        let letter = DeadLetter(
            sink: route.name, sequence: sequence, dedupeKey: record.dedupeKey, eventType: record.eventType,
            acceptedAtMillis: record.acceptedAtMillis, deadAtMillis: WallClock.nowMillis(), attempts: attempt.attempts,
            lastStatus: status, lastError: error, responseExcerpt: excerpt, reason: reason, body: record.body)
        do {
            try deadLetters.append([letter])
        } catch {
            // Keep the record; it is tried again after the backoff floor.
            note(error: "writing a dead letter failed: \(error)")
            attempts[sequence]?.dueNanos = MonotonicClock.nowNanos() + 1_000_000_000
            return
        }
        logger.warning(
            "event dead-lettered",
            metadata: [
                "relay.event.id": "\(record.dedupeKey)", "relay.reason": "\(reason)",
                "relay.attempts": "\(attempt.attempts)",
            ])
        acknowledge(sequence, as: \.deadLetters)
        observer?.deadLettered(sink: route.name)
        if pause {
            paused = reason
            logger.error(
                "sink paused: endpoint gone; resume by replay or reload", metadata: ["relay.reason": "\(reason)"])
        }
    }

    private func acknowledge(_ sequence: UInt64, as counter: WritableKeyPath<SinkWorker.Status, Int>) {
        attempts[sequence] = nil
        reader.acknowledge(sequence)
        status.value.withLock { $0[keyPath: counter] += 1 }
        if firstUnflushedAck == nil { firstUnflushedAck = MonotonicClock.nowNanos() }
    }

    /// Flushes acknowledgements when many are pending, 50 ms after the first, or when forced.
    private func flushAcks(force: Bool) -> UInt64 {
        let never = UInt64.max
        guard let first = firstUnflushedAck else { return never }
        let due = first + 50_000_000
        guard force || reader.unflushedCount >= 256 || MonotonicClock.nowNanos() >= due else { return due }
        do throws(SpoolError) {
            try reader.flush()
            firstUnflushedAck = nil
            acksOutOfSpace = false
            return never
        } catch {
            acksOutOfSpace = error.code == .diskFull
            note(error: "flushing acknowledgements failed: \(error)")
            return MonotonicClock.nowNanos() + 1_000_000_000
        }
    }

    /// On a full disk (or a spool at its cap), a delivered backlog in the tail segment would
    /// never be freed: the tail is never deleted. So once every committed record is
    /// acknowledged, the worker asks the writer to start a new tail, then deletes the old one
    /// (which needs no space: see ``SpoolReader/flush()``).
    private func freeSpaceIfOutOfSpace() {
        let committed = writer.commitMark(sink: route.name)
        if let requested = retireRequested {
            do throws(SpoolError) {
                try reader.flush()
            } catch {
                note(error: "freeing delivered segments failed: \(error)")
            }
            if reader.drainedTail(committed: committed) != requested { retireRequested = nil }
            return
        }
        guard acksOutOfSpace || writer.isOutOfSpace, let end = reader.drainedTail(committed: committed) else { return }
        logger.notice(
            "out of space with every event delivered: retiring the spool's tail segment to free it",
            metadata: ["relay.sequence": "\(end)"])
        retireRequested = end
        writer.retireTail(sink: route.name, drainedThrough: end)
    }

    private func note(error: String) {
        let now = WallClock.nowMillis()
        status.value.withLock {
            $0.lastError = error
            $0.lastErrorAtMillis = now
        }
    }

    private func publish() {
        let inFlight = attempts.count
        let paused = self.paused
        let depth = reader.pendingCount(committed: writer.commitMark(sink: route.name))
        let oldest = attempts.values.map(\.record.acceptedAtMillis).min()
        let failures = consecutiveFailures
        let snapshot = status.value.withLock { status in
            status.inFlight = inFlight
            status.paused = paused
            status.consecutiveFailures = failures
            status.circuitOpen = failures >= Self.circuitThreshold
            status.depth = depth
            status.oldestAcceptedAtMillis = oldest
            return status
        }
        observer?.state(sink: route.name, status: snapshot)
    }
}
