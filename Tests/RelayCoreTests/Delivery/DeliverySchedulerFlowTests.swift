import RelayTestSupport
import Testing

@testable import RelayCore

/// The delivery policy, continued: the circuit, the rate, acknowledgement batches, stopping,
/// skips and the idle wake.
@Suite struct DeliverySchedulerFlowTests: SchedulerFixture {
    let clock = ManualClock(wallMillis: Self.accepted)

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
