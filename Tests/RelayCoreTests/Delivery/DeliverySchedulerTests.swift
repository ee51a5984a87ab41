import RelayTestSupport
import Testing

@testable import RelayCore

/// The delivery policy, driven by a manual clock: no sockets, no threads, no sleeps. Sending,
/// retries, `Retry-After`, giving up and dead letters, 410.
@Suite struct DeliverySchedulerTests: SchedulerFixture {
    let clock = ManualClock(wallMillis: Self.accepted)

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
}
