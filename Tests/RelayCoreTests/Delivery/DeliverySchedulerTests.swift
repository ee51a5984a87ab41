import RelayTestSupport
import Testing

@testable import RelayCore

/// The delivery policy, driven by a manual clock: no sockets, no threads, no sleeps.
@Suite struct DeliverySchedulerTests {
    typealias Scheduler = DeliveryScheduler<ManualClock>
    static let accepted: Int64 = 1_760_000_000_000

    let clock = ManualClock(wallMillis: Self.accepted)

    /// Backoff fixed at `backoff` (no jitter: ceiling = floor).
    func scheduler(
        attempts: Int = 5, backoff: Duration = .seconds(1), maxAge: Duration = .seconds(3600), rate: Rate? = nil,
        window: Int = 4, idleWake: Duration = .seconds(3600)
    ) throws -> Scheduler {
        let retry = try RetryPolicy(
            maxAttempts: attempts, initialBackoff: backoff, maximumBackoff: backoff, maxAge: maxAge)
        var configuration = Scheduler.Configuration(retry: retry, rate: rate, window: window)
        // Long by default, so a test sees the due time itself.
        configuration.idleWake = idleWake
        return Scheduler(configuration: configuration, clock: clock, random: SeededRandom(seed: 7))
    }

    func fill(_ scheduler: inout Scheduler, _ sequences: ClosedRange<UInt64>) {
        _ = scheduler.takeCapacity()
        for sequence in sequences {
            scheduler.add(sequence, acceptedAtMillis: Self.accepted)
        }
    }

    static func status(_ code: Int, retryAfter: String? = nil) -> DeliveryResult {
        .response(status: code, retryAfter: retryAfter, bodyExcerpt: "")
    }

    /// The sequences a batch of actions sends.
    static func sent(_ actions: [Scheduler.Action]) -> [UInt64] {
        actions.flatMap { action -> [UInt64] in
            if case .send(let sequences) = action { return sequences }
            return []
        }
    }

    static func acknowledged(_ actions: [Scheduler.Action]) -> [UInt64: Scheduler.Settlement] {
        var out: [UInt64: Scheduler.Settlement] = [:]
        for case .acknowledge(let sequence, let settlement) in actions { out[sequence] = settlement }
        return out
    }

    static func outcomes(_ actions: [Scheduler.Action]) -> [DeliveryOutcome] {
        actions.compactMap { action in
            if case .attempted(let attempt) = action { return attempt.outcome }
            return nil
        }
    }

    @Test func sendsInSequenceOrderAndAcknowledgesWhatIsDelivered() throws {
        var scheduler = try scheduler()
        fill(&scheduler, 1...3)
        #expect(Self.sent(scheduler.poll()) == [1, 2, 3])
        // In flight: nothing is sent twice.
        #expect(Self.sent(scheduler.poll()) == [])
        clock.advance(by: .milliseconds(12))
        let actions = scheduler.finished(2, Self.status(204))
        #expect(Self.outcomes(actions) == [.delivered])
        #expect(Self.acknowledged(actions) == [2: .delivered])
        guard case .attempted(let attempt)? = actions.first else {
            Issue.record("no attempt reported")
            return
        }
        #expect(attempt.latency == .milliseconds(12))
        #expect(attempt.sequence == 2)
        #expect(attempt.number == 1)
        #expect(scheduler.heldCount == 2)
    }

    @Test func theWindowBoundsWhatIsHeld() throws {
        var scheduler = try scheduler(window: 2)
        #expect(scheduler.takeCapacity() == 2)
        scheduler.add(1, acceptedAtMillis: Self.accepted)
        scheduler.add(2, acceptedAtMillis: Self.accepted)
        #expect(scheduler.takeCapacity() == 0)
        _ = scheduler.poll()
        _ = scheduler.finished(1, Self.status(200))
        // The freed slot asks for a refill at once.
        #expect(scheduler.nextWake() == clock.now)
        #expect(scheduler.takeCapacity() == 1)
    }

    @Test func aRetryWaitsForItsBackoff() throws {
        var scheduler = try scheduler(backoff: .seconds(2))
        fill(&scheduler, 1...1)
        _ = scheduler.poll()
        let actions = scheduler.finished(1, Self.status(503))
        #expect(Self.outcomes(actions) == [.retry])
        #expect(actions.contains(.failed(reason: "HTTP 503")))
        _ = scheduler.takeCapacity()
        let due = clock.now.advanced(by: .seconds(2))
        #expect(scheduler.nextWake() == due)
        clock.advance(by: .milliseconds(1999))
        #expect(Self.sent(scheduler.poll()) == [])
        clock.advance(by: .milliseconds(1))
        #expect(Self.sent(scheduler.poll()) == [1])
        guard case .attempted(let second)? = scheduler.finished(1, Self.status(200)).first else {
            Issue.record("no attempt reported")
            return
        }
        #expect(second.number == 2)
    }

    @Test func retryAfterLongerThanTheBackoffWins() throws {
        var scheduler = try scheduler(backoff: .seconds(1))
        fill(&scheduler, 1...1)
        _ = scheduler.poll()
        _ = scheduler.finished(1, Self.status(429, retryAfter: "30"))
        _ = scheduler.takeCapacity()
        #expect(scheduler.nextWake() == clock.now.advanced(by: .seconds(30)))
        clock.advance(by: .seconds(29))
        #expect(Self.sent(scheduler.poll()) == [])
        clock.advance(by: .seconds(1))
        #expect(Self.sent(scheduler.poll()) == [1])
    }

    @Test func retryAfterAsAnHTTPDate() throws {
        var scheduler = try scheduler(backoff: .seconds(1))
        fill(&scheduler, 1...1)
        _ = scheduler.poll()
        // The wall clock is 2025-10-09T08:53:20Z; the sink asks for 08:54:00.
        _ = scheduler.finished(1, Self.status(503, retryAfter: "Thu, 09 Oct 2025 08:54:00 GMT"))
        _ = scheduler.takeCapacity()
        #expect(scheduler.nextWake() == clock.now.advanced(by: .seconds(40)))
    }

    @Test func givesUpAfterMaxAttempts() throws {
        var scheduler = try scheduler(attempts: 2)
        fill(&scheduler, 1...1)
        _ = scheduler.poll()
        _ = scheduler.finished(1, Self.status(500))
        clock.advance(by: .seconds(1))
        _ = scheduler.poll()
        let actions = scheduler.finished(1, Self.status(500))
        #expect(Self.outcomes(actions) == [.dead])
        #expect(
            actions.contains(
                .deadLetter(1, reason: "gave up after 2 attempts; last: HTTP 500", attempts: 2, last: Self.status(500)))
        )
        // Held until its dead letter is durable, then acknowledged.
        #expect(scheduler.heldCount == 1)
        #expect(Self.acknowledged(scheduler.deadLetterWritten(1)) == [1: .deadLettered])
        #expect(scheduler.heldCount == 0)
    }

    @Test func maxAgeDeadLettersWhenTheNextAttemptWouldBeTooLate() throws {
        var scheduler = try scheduler(attempts: 100, backoff: .seconds(60), maxAge: .seconds(100))
        fill(&scheduler, 1...1)
        _ = scheduler.poll()
        // Retry at +60 s: within max_age.
        #expect(Self.outcomes(scheduler.finished(1, Self.status(502))) == [.retry])
        clock.advance(by: .seconds(60))
        #expect(Self.sent(scheduler.poll()) == [1])
        // The next would be at +120 s, past 100 s.
        let actions = scheduler.finished(1, Self.status(502))
        #expect(Self.outcomes(actions) == [.dead])
        #expect(
            actions.contains(
                .deadLetter(
                    1, reason: "gave up: next attempt would exceed max_age; last: HTTP 502", attempts: 2,
                    last: Self.status(502))))
    }

    @Test func aPermanentAnswerDeadLettersWithoutPausing() throws {
        var scheduler = try scheduler()
        fill(&scheduler, 1...1)
        _ = scheduler.poll()
        let actions = scheduler.finished(1, Self.status(400))
        #expect(Self.outcomes(actions) == [.dead])
        let written = scheduler.deadLetterWritten(1)
        #expect(!written.contains(.paused(reason: "endpoint gone: HTTP 410 Gone")))
        #expect(scheduler.pausedReason == nil)
    }

    @Test func goneDeadLettersThenPausesUntilResumed() throws {
        var scheduler = try scheduler()
        fill(&scheduler, 1...3)
        #expect(Self.sent(scheduler.poll()) == [1, 2, 3])
        #expect(Self.outcomes(scheduler.finished(1, Self.status(410))) == [.paused])
        // Not paused until the dead letter is durable.
        #expect(scheduler.pausedReason == nil)
        let written = scheduler.deadLetterWritten(1)
        #expect(Self.acknowledged(written) == [1: .deadLettered])
        #expect(written.contains(.paused(reason: "endpoint gone: HTTP 410 Gone")))
        #expect(scheduler.takeCapacity() == 0)
        // 2 and 3 fail meanwhile and are due again, but nothing is sent while paused.
        _ = scheduler.finished(2, Self.status(503))
        _ = scheduler.finished(3, Self.status(503))
        clock.advance(by: .seconds(3600))
        #expect(scheduler.poll() == [.flushAcknowledgements])
        scheduler.acknowledgementsFlushed(true)
        // Nothing is due while paused but the idle wake.
        #expect(scheduler.nextWake() == clock.now.advanced(by: .seconds(3600)))
        #expect(scheduler.resume() == [.resumed(wasPausedFor: "endpoint gone: HTTP 410 Gone")])
        #expect(scheduler.takeCapacity() > 0)
        #expect(Self.sent(scheduler.poll()) == [2, 3])
    }

    @Test func theCircuitOpensAfterFiveFailuresProbesWithTheOldestAndClosesOnAnAnswer() throws {
        var scheduler = try scheduler(attempts: 100, window: 8)
        fill(&scheduler, 1...8)
        #expect(Self.sent(scheduler.poll()) == Array(1...8))
        var opened: [Scheduler.Action] = []
        for sequence in UInt64(1)...5 {
            opened += scheduler.finished(sequence, .transportFailure(.connect, message: "refused"))
        }
        #expect(opened.contains(.circuitOpened(reason: "connect: refused")))
        #expect(scheduler.circuitOpen)
        // Every held record is due again after its backoff, but only the oldest is sent.
        clock.advance(by: .seconds(1))
        #expect(Self.sent(scheduler.poll()) == [1])
        // Failures of attempts already in flight keep it open.
        _ = scheduler.finished(6, Self.status(500))
        #expect(scheduler.circuitOpen)
        let closed = scheduler.finished(1, Self.status(200))
        #expect(closed.contains(.circuitClosed))
        #expect(!scheduler.circuitOpen)
        clock.advance(by: .seconds(1))
        #expect(Self.sent(scheduler.poll()) == [2, 3, 4, 5, 6])
    }

    @Test func aPermanentAnswerAlsoClosesTheCircuit() throws {
        var scheduler = try scheduler(attempts: 100, window: 8)
        fill(&scheduler, 1...6)
        _ = scheduler.poll()
        for sequence in UInt64(1)...5 { _ = scheduler.finished(sequence, Self.status(503)) }
        #expect(scheduler.circuitOpen)
        #expect(scheduler.finished(6, Self.status(404)).contains(.circuitClosed))
    }

    @Test func resumeClosesTheCircuit() throws {
        var scheduler = try scheduler(attempts: 100, window: 8)
        fill(&scheduler, 1...5)
        _ = scheduler.poll()
        for sequence in UInt64(1)...5 { _ = scheduler.finished(sequence, Self.status(503)) }
        #expect(scheduler.circuitOpen)
        #expect(scheduler.resume() == [.resumed(wasPausedFor: nil)])
        #expect(!scheduler.circuitOpen)
        clock.advance(by: .seconds(1))
        #expect(Self.sent(scheduler.poll()) == [1, 2, 3, 4, 5])
    }

    @Test func theRatePacesAttempts() throws {
        var scheduler = try scheduler(rate: Rate(count: 2, per: .seconds(1)), window: 10)
        fill(&scheduler, 1...5)
        // A burst of two, then one every 500 ms.
        #expect(Self.sent(scheduler.poll()) == [1, 2])
        _ = scheduler.takeCapacity()
        #expect(scheduler.nextWake() == clock.now.advanced(by: .milliseconds(500)))
        clock.advance(by: .milliseconds(499))
        #expect(Self.sent(scheduler.poll()) == [])
        clock.advance(by: .milliseconds(1))
        #expect(Self.sent(scheduler.poll()) == [3])
        clock.advance(by: .milliseconds(1000))
        #expect(Self.sent(scheduler.poll()) == [4, 5])
    }

    @Test func acknowledgementsAreFlushedInBatches() throws {
        var scheduler = try scheduler(window: 300)
        fill(&scheduler, 1...300)
        _ = scheduler.poll()
        _ = scheduler.finished(1, Self.status(200))
        #expect(!scheduler.poll().contains(.flushAcknowledgements))
        _ = scheduler.takeCapacity()
        #expect(scheduler.nextWake() == clock.now.advanced(by: .milliseconds(50)))
        // 50 ms after the first acknowledgement…
        clock.advance(by: .milliseconds(50))
        #expect(scheduler.poll() == [.flushAcknowledgements])
        scheduler.acknowledgementsFlushed(true)
        #expect(scheduler.unflushedAcknowledgements == 0)
        // …or at once when 256 are waiting.
        for sequence in UInt64(2)...256 { _ = scheduler.finished(sequence, Self.status(200)) }
        #expect(!scheduler.poll().contains(.flushAcknowledgements))
        _ = scheduler.finished(257, Self.status(200))
        #expect(scheduler.poll().contains(.flushAcknowledgements))
    }

    @Test func aFailedFlushIsRetriedAfterASecondNotEveryTurn() throws {
        var scheduler = try scheduler(window: 300)
        fill(&scheduler, 1...300)
        _ = scheduler.poll()
        for sequence in UInt64(1)...256 { _ = scheduler.finished(sequence, Self.status(200)) }
        #expect(scheduler.poll().contains(.flushAcknowledgements))
        scheduler.acknowledgementsFlushed(false)
        #expect(!scheduler.poll().contains(.flushAcknowledgements))
        clock.advance(by: .milliseconds(999))
        #expect(!scheduler.poll().contains(.flushAcknowledgements))
        clock.advance(by: .milliseconds(1))
        #expect(scheduler.poll().contains(.flushAcknowledgements))
    }

    @Test func stopFlushesOnlyWhatIsPending() throws {
        var scheduler = try scheduler()
        #expect(scheduler.stop() == [])
        fill(&scheduler, 1...1)
        _ = scheduler.poll()
        _ = scheduler.finished(1, Self.status(200))
        #expect(scheduler.stop() == [.flushAcknowledgements])
    }

    @Test func aDeadLetterThatCannotBeWrittenIsAttemptedAgainLater() throws {
        var scheduler = try scheduler()
        fill(&scheduler, 1...1)
        _ = scheduler.poll()
        _ = scheduler.finished(1, Self.status(410))
        scheduler.deadLetterFailed(1)
        #expect(scheduler.pausedReason == nil)
        #expect(scheduler.heldCount == 1)
        clock.advance(by: .milliseconds(999))
        #expect(Self.sent(scheduler.poll()) == [])
        clock.advance(by: .milliseconds(1))
        #expect(Self.sent(scheduler.poll()) == [1])
    }

    @Test func skippedRecordsAreAcknowledgedWithoutAnAttempt() throws {
        var scheduler = try scheduler()
        fill(&scheduler, 1...2)
        _ = scheduler.poll()
        #expect(scheduler.skip(1) == [.acknowledge(1, .skipped)])
        // A record never held (another instance delivers it) is acknowledged too.
        #expect(scheduler.skip(9) == [.acknowledge(9, .skipped)])
        #expect(scheduler.heldCount == 1)
        #expect(scheduler.unflushedAcknowledgements == 2)
    }

    @Test func aBodyThatCannotBeSentIsDeadLetteredAtOnce() throws {
        var scheduler = try scheduler()
        fill(&scheduler, 1...1)
        _ = scheduler.poll()
        #expect(
            scheduler.deadLetterNow(1, reason: "not JSON")
                == [.deadLetter(1, reason: "not JSON", attempts: 1, last: nil)])
        #expect(Self.acknowledged(scheduler.deadLetterWritten(1)) == [1: .deadLettered])
    }

    @Test func idleItWakesOncePerSecond() throws {
        var scheduler = try scheduler(
            backoff: .milliseconds(500),
            idleWake: Scheduler.Configuration(retry: RetryPolicy(), rate: nil, window: 1).idleWake)
        _ = scheduler.takeCapacity()
        #expect(scheduler.nextWake() == clock.now.advanced(by: .seconds(1)))
        // Something due earlier wins.
        fill(&scheduler, 1...1)
        _ = scheduler.poll()
        _ = scheduler.finished(1, Self.status(503))
        _ = scheduler.takeCapacity()
        #expect(scheduler.nextWake() == clock.now.advanced(by: .milliseconds(500)))
    }

    @Test func manualClockWakesSleepersOnlyWhenAdvancedPastTheirDeadline() async throws {
        let clock = ManualClock(wallMillis: 0)
        let deadline = clock.now.advanced(by: .seconds(5))
        let sleeper = Task { try await clock.sleep(until: deadline) }
        clock.advance(by: .seconds(4))
        // Still asleep: cancelling it makes it throw.
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        let woken = Task { try await clock.sleep(until: deadline) }
        clock.advance(by: .seconds(1))
        try await woken.value
        #expect(clock.wallMillis == 5000)
    }
}
