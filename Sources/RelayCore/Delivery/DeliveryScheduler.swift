/// The delivery policy of one sink, as a pure state machine: which records to attempt and when,
/// and what follows each attempt. It composes the ``RetryMachine`` (backoff, `Retry-After`,
/// `max_attempts`, `max_age`), a ``TokenBucket`` (`rate`), a ``CircuitBreaker`` and an
/// ``AckBatcher``.
///
/// It performs nothing itself. The worker around it feeds it events (records read, an attempt's
/// result, a dead letter written, a resume) and performs the ``Action``s they return; it sleeps
/// until ``nextWake()``. Every time comes from `clock`, so tests drive it with a
/// manual clock (the test support's `ManualClock`): no sockets, no sleeps.
///
/// States of a record: *waiting* (due at a time) → *sending* → delivered (acknowledge),
/// waiting again (retry), or dead (write a dead letter, then acknowledge; 410 also pauses the
/// sink). A paused sink sends nothing until ``resume()``.
package struct DeliveryScheduler<Clock: DeliveryClock> {
    @usableFromInline
    struct Pending {
        @usableFromInline var acceptedAtMillis: Int64
        @usableFromInline var attempts = 0
        @usableFromInline var due: MonotonicInstant
        @usableFromInline var sending = false
        @usableFromInline var sentAt: MonotonicInstant
        @usableFromInline var last: DeliveryResult?
        /// Set while its dead letter is being written: pause the sink once it is.
        @usableFromInline var pauseAfterDeadLetter: String?

        @usableFromInline
        init(acceptedAtMillis: Int64, due: MonotonicInstant, sentAt: MonotonicInstant) {
            self.acceptedAtMillis = acceptedAtMillis
            self.due = due
            self.sentAt = sentAt
        }
    }

    package let configuration: Configuration
    @usableFromInline let clock: Clock
    @usableFromInline let machine: RetryMachine
    @usableFromInline var bucket: TokenBucket?
    @usableFromInline var circuit: CircuitBreaker
    @usableFromInline var acks: AckBatcher
    @usableFromInline var random: SeededRandom
    @usableFromInline var pending: [UInt64: Pending] = [:]
    /// The held sequences, ascending (records are read in order), so no poll sorts them.
    @usableFromInline var order: [UInt64] = []
    /// When the rate next allows an attempt, after it refused one.
    @usableFromInline var rateReadyAt: MonotonicInstant?
    /// A slot was freed (or records were skipped) since the last refill: read again soon.
    @usableFromInline var refillWanted = true

    /// Why the sink is paused, if it is (set by the scheduler only).
    package var pausedReason: String?

    @inlinable
    package init(configuration: Configuration, clock: Clock, random: SeededRandom = SeededRandom()) {
        self.configuration = configuration
        self.clock = clock
        self.random = random
        machine = RetryMachine(policy: configuration.retry)
        bucket = configuration.rate.map { TokenBucket(rate: $0) }
        circuit = CircuitBreaker(threshold: configuration.circuitThreshold)
        acks = configuration.acknowledgements
    }

    // MARK: State

    /// Records held (waiting or in flight).
    @inlinable
    package var heldCount: Int { pending.count }
    package var consecutiveFailures: Int { circuit.consecutiveFailures }
    package var circuitOpen: Bool { circuit.isOpen }
    /// Acceptance time of the oldest record held.
    package var oldestAcceptedAtMillis: Int64? {
        var oldest: Int64?
        for record in pending.values { oldest = min(oldest ?? record.acceptedAtMillis, record.acceptedAtMillis) }
        return oldest
    }
    /// Acknowledgements waiting to be flushed.
    @inlinable
    package var unflushedAcknowledgements: Int { acks.pending }

    /// How many records to read from the spool now: 0 while paused or full. Clears the
    /// refill hint used by ``nextWake()``.
    package mutating func takeCapacity() -> Int {
        refillWanted = false
        return pausedReason == nil ? max(0, configuration.window - pending.count) : 0
    }

    // MARK: Events

    /// A record read from the spool; due at once.
    @inlinable
    package mutating func add(_ sequence: UInt64, acceptedAtMillis: Int64) {
        let now = clock.now
        guard
            pending.updateValue(Pending(acceptedAtMillis: acceptedAtMillis, due: now, sentAt: now), forKey: sequence)
                == nil
        else { return }
        if let last = order.last, last > sequence {
            order.insert(sequence, at: order.firstIndex { $0 > sequence } ?? order.endIndex)
        } else {
            order.append(sequence)
        }
    }

    /// Settles a record without (further) attempts: nothing to send for it, or it belongs to
    /// another instance. It need not be held.
    @inlinable
    package mutating func skip(_ sequence: UInt64) -> [Action] {
        pending[sequence] = nil
        return settle(sequence, .skipped)
    }

    /// Dead-letters a held record at once (its body cannot be turned into a request).
    @inlinable
    package mutating func deadLetterNow(_ sequence: UInt64, reason: String) -> [Action] {
        guard var record = pending[sequence] else { return [] }
        record.sending = false
        pending[sequence] = record
        return [.deadLetter(sequence, reason: reason, attempts: record.attempts, last: record.last)]
    }

    /// An attempt of a held record ended with `result`.
    @inlinable
    package mutating func finished(_ sequence: UInt64, _ result: DeliveryResult) -> [Action] {
        // Taken out, so the common case (delivered) leaves no second reference to the record.
        guard var record = pending.removeValue(forKey: sequence) else { return [] }
        let now = clock.now
        let wall = clock.wallMillis
        record.sending = false
        record.last = result
        let decision = machine.decide(
            after: result, attempt: record.attempts, acceptedAtMillis: record.acceptedAtMillis, nowMillis: wall,
            using: &random)
        var actions: [Action] = []
        let outcome: DeliveryOutcome
        switch decision {
        case .delivered: outcome = .delivered
        case .retry: outcome = .retry
        case .deadLetter: outcome = .dead
        case .deadLetterAndPause: outcome = .paused
        }
        actions.append(
            .attempted(
                Attempt(
                    sequence: sequence, acceptedAtMillis: record.acceptedAtMillis,
                    number: record.attempts, outcome: outcome, result: result, latency: record.sentAt.duration(to: now))
            ))
        switch circuit.record(result) {
        case .unchanged: break
        case .opened(let reason): actions.append(.circuitOpened(reason: reason))
        case .closed: actions.append(.circuitClosed)
        }
        switch decision {
        case .delivered:
            actions += settle(sequence, .delivered)
        case .retry(let atMillis, let reason):
            record.due = now.advanced(by: .milliseconds(max(0, atMillis - wall)))
            pending[sequence] = record
            actions.append(.failed(reason: reason))
        case .deadLetter(let reason), .deadLetterAndPause(let reason):
            if case .deadLetterAndPause = decision { record.pauseAfterDeadLetter = reason }
            pending[sequence] = record
            actions.append(.deadLetter(sequence, reason: reason, attempts: record.attempts, last: result))
        }
        return actions
    }

    /// The record's dead letter is durable: acknowledge it (and pause, after 410).
    @inlinable
    package mutating func deadLetterWritten(_ sequence: UInt64) -> [Action] {
        guard let record = pending.removeValue(forKey: sequence) else { return [] }
        var actions = settle(sequence, .deadLettered)
        if let reason = record.pauseAfterDeadLetter {
            pausedReason = reason
            actions.append(.paused(reason: reason))
        }
        return actions
    }

    /// The dead letter could not be written: keep the record and attempt it again later.
    @inlinable
    package mutating func deadLetterFailed(_ sequence: UInt64) {
        guard var record = pending[sequence] else { return }
        record.pauseAfterDeadLetter = nil
        record.due = clock.now.advanced(by: configuration.storageRetryDelay)
        pending[sequence] = record
    }

    /// The operator says the sink is fixed: lift a pause and close the circuit.
    @inlinable
    package mutating func resume() -> [Action] {
        let reason = pausedReason
        pausedReason = nil
        circuit.reset()
        refillWanted = true
        return [.resumed(wasPausedFor: reason)]
    }

    /// A flush the scheduler asked for succeeded or failed (tried again after a delay).
    @inlinable
    package mutating func acknowledgementsFlushed(_ succeeded: Bool) {
        acks.flushed(succeeded, at: clock.now)
    }

    /// Records to send now, and acknowledgements to flush, in that order.
    @inlinable
    package mutating func poll() -> [Action] {
        let now = clock.now
        var actions: [Action] = []
        if pausedReason == nil {
            var batch: [UInt64] = []
            for sequence in candidates() {
                guard let index = pending.index(forKey: sequence), !pending.values[index].sending,
                    pending.values[index].due <= now
                else { continue }
                if bucket != nil {
                    let wait = bucket!.take(nowNanos: now.nanoseconds)
                    if wait > 0 {
                        rateReadyAt = now.advanced(by: .nanoseconds(Int64(clamping: wait)))
                        break
                    }
                }
                // In place: copying the record out and back would retain and release its body.
                pending.values[index].attempts += 1
                pending.values[index].sending = true
                pending.values[index].sentAt = now
                batch.append(sequence)
            }
            if !batch.isEmpty { actions.append(.send(batch)) }
        }
        if acks.shouldFlush(at: now) { actions.append(.flushAcknowledgements) }
        return actions
    }

    /// Flushes what is left before the worker stops.
    @inlinable
    package func stop() -> [Action] {
        acks.pending > 0 ? [.flushAcknowledgements] : []
    }

    /// When ``poll()`` next has something to do: a record due (and allowed by the rate), a
    /// flush due, a refill worth trying, or the idle wake.
    @inlinable
    package func nextWake() -> MonotonicInstant {
        let now = clock.now
        var next = now.advanced(by: configuration.idleWake)
        if pausedReason == nil {
            if refillWanted && pending.count < configuration.window { return now }
            if circuit.isOpen {
                if let oldest = order.first, let record = pending[oldest], !record.sending {
                    next = min(next, max(record.due, rateReadyAt ?? record.due))
                }
            } else {
                for record in pending.values where !record.sending {
                    next = min(next, max(record.due, rateReadyAt ?? record.due))
                }
            }
        }
        if let due = acks.dueAt { next = min(next, due) }
        return next
    }

    // MARK: Helpers

    /// Every held record in sequence order; with the circuit open, only the oldest (the probe).
    @inlinable
    func candidates() -> ArraySlice<UInt64> {
        circuit.isOpen ? order.prefix(1) : order[...]
    }

    @inlinable
    mutating func settle(_ sequence: UInt64, _ settlement: Settlement) -> [Action] {
        if let index = order.firstIndex(of: sequence) { order.remove(at: index) }
        acks.added(at: clock.now)
        refillWanted = true
        return [.acknowledge(sequence, settlement)]
    }
}
