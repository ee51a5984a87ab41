import RelayCore
import RelayTestSupport
import Spool
import Synchronization
import Testing

@testable import RelayDispatch

/// The sink worker's loop through the storage seam, on a manual clock: no sockets, files, threads
/// or sleeps. Each test runs the turns the worker's thread would, with the events its inbox held.
@Suite struct WorkerLoopTests {
    @Test func deliveredRecordsAreAcknowledgedInOrderAndFlushedInABatch() throws {
        let worker = try WorkerHarness()
        worker.commit("evt_1", "evt_2", "evt_3")
        worker.turn(.wake)
        #expect(worker.dispatcher.outstanding == ["evt_1", "evt_2", "evt_3"].map { "http://sink.test/\($0)" })
        worker.answer(200)
        #expect(worker.current.delivered == 3)
        // Acknowledged at once, durable only when the batch is flushed (50 ms after the first).
        #expect(worker.store.acknowledged(worker.sink).isEmpty)
        #expect(worker.current.depth == 0)
        worker.sleep()
        #expect(worker.store.acknowledged(worker.sink) == [1, 2, 3])
        #expect(worker.current.committedThrough == 4)
    }

    @Test func theWindowBoundsWhatIsHeldAndTheRestFollows() throws {
        let worker = try WorkerHarness(concurrency: 2)
        worker.commit("evt_1", "evt_2", "evt_3")
        worker.turn(.wake)
        #expect(worker.dispatcher.outstanding.count == 2)
        #expect(worker.current.inFlight == 2)
        worker.answer(200)
        #expect(worker.dispatcher.outstanding == ["http://sink.test/evt_3"])
    }

    @Test func aFailureIsRetriedAfterItsBackoffAndNotBefore() throws {
        let worker = try WorkerHarness(backoff: .seconds(2))
        worker.commit("evt_1")
        worker.turn(.wake)
        worker.answer(503)
        #expect(worker.dispatcher.outstanding.isEmpty)
        worker.advance(.milliseconds(1_999))
        #expect(worker.dispatcher.outstanding.isEmpty)
        worker.advance(.milliseconds(1))
        #expect(worker.dispatcher.outstanding == ["http://sink.test/evt_1"])
        worker.answer(200)
        #expect(worker.current.delivered == 1)
        #expect(worker.current.consecutiveFailures == 0)
    }

    @Test func aPermanentFailureIsDeadLetteredWithItsAnswerThenAcknowledged() throws {
        let worker = try WorkerHarness()
        worker.commit("evt_1", "evt_2")
        worker.turn(.wake)
        worker.dispatcher.answerAll(.response(status: 400, retryAfter: nil, bodyExcerpt: "bad field"))
        worker.turn()
        #expect(try worker.deadKeys() == ["evt_1", "evt_2"])
        let log = try worker.store.deadLetters(sink: worker.sink)
        let letter = try #require(try log.entries(log.select(.init()))?.first?.letter)
        #expect(letter.lastStatus == 400)
        #expect(letter.responseExcerpt == "bad field")
        #expect(letter.attempts == 1)
        #expect(worker.current.deadLetters == 2)
        worker.sleep()
        #expect(worker.store.acknowledged(worker.sink) == [1, 2])
    }

    @Test func exhaustedAttemptsDeadLetter() throws {
        let worker = try WorkerHarness(attempts: 3, backoff: .seconds(1))
        worker.commit("evt_1")
        worker.turn(.wake)
        for _ in 0..<2 {
            worker.answer(500)
            worker.sleep()
        }
        worker.answer(500)
        #expect(try worker.deadKeys() == ["evt_1"])
        #expect(worker.current.deadLetters == 1)
    }

    @Test func aDeadLetterThatCannotBeWrittenKeepsItsRecordUntilItCan() throws {
        let worker = try WorkerHarness(backoff: .seconds(1))
        worker.commit("evt_1")
        worker.turn(.wake)
        worker.store.failures.deadLetter = SpoolError(code: .diskFull, message: "no space")
        worker.answer(400)
        #expect(try worker.deadKeys().isEmpty)
        #expect(worker.current.deadLetters == 0)
        #expect(worker.current.lastError?.contains("writing a dead letter failed") == true)
        #expect(worker.current.depth == 1)
        // Kept, and attempted again after the storage retry delay; by then the disk has room.
        worker.store.failures.deadLetter = nil
        worker.sleep()
        #expect(worker.dispatcher.outstanding == ["http://sink.test/evt_1"])
        worker.answer(400)
        #expect(try worker.deadKeys() == ["evt_1"])
        #expect(worker.current.deadLetters == 1)
    }

    @Test func goneDeadLettersPausesAndAResumeDeliversTheRest() throws {
        let worker = try WorkerHarness()
        worker.commit("evt_1")
        worker.turn(.wake)
        worker.answer(410)
        #expect(try worker.deadKeys() == ["evt_1"])
        #expect(worker.current.paused != nil)
        worker.commit("evt_2")
        worker.turn(.wake)
        worker.advance(.seconds(600))
        #expect(worker.dispatcher.outstanding.isEmpty)
        worker.turn(.resume)
        #expect(worker.current.paused == nil)
        #expect(worker.dispatcher.outstanding == ["http://sink.test/evt_2"])
    }

    @Test func theCircuitOpensAfterFiveFailuresAndProbesWithTheOldestOnly() throws {
        let worker = try WorkerHarness(attempts: 50, backoff: .seconds(1), concurrency: 4)
        worker.commit("evt_1", "evt_2", "evt_3")
        worker.turn(.wake)
        worker.answer(500)  // three failures
        worker.sleep()
        worker.answer(500)  // six: the circuit opened at five
        #expect(worker.current.circuitOpen)
        worker.sleep()
        #expect(worker.dispatcher.outstanding == ["http://sink.test/evt_1"])
        worker.answer(200)
        #expect(!worker.current.circuitOpen)
        worker.turn()
        #expect(Set(worker.dispatcher.outstanding) == ["http://sink.test/evt_2", "http://sink.test/evt_3"])
    }

    @Test func aFailedFlushKeepsTheAcknowledgementsAndFlushesThemLater() throws {
        let worker = try WorkerHarness()
        worker.commit("evt_1", "evt_2")
        worker.turn(.wake)
        worker.store.failures.flush = SpoolError(code: .ioError, message: "EIO")
        worker.answer(200)
        worker.sleep()
        #expect(worker.store.acknowledged(worker.sink).isEmpty)
        #expect(worker.current.lastError?.contains("flushing acknowledgements failed") == true)
        worker.store.failures.flush = nil
        worker.sleep()
        #expect(worker.store.acknowledged(worker.sink) == [1, 2])
        #expect(worker.dispatcher.outstanding.isEmpty)
    }

    @Test func stoppingFlushesWhatWasDeliveredAndAReopenedQueueResendsOnlyTheRest() throws {
        let worker = try WorkerHarness()
        worker.commit("evt_1", "evt_2")
        worker.turn(.wake)
        worker.dispatcher.answerAll(.response(status: 200, retryAfter: nil, bodyExcerpt: ""))
        worker.commit("evt_3")
        worker.turn(.wake)
        // evt_3 is in flight when the worker stops: not acknowledged, sent again after a restart.
        #expect(worker.turn(.stop) == nil)
        #expect(worker.store.acknowledged(worker.sink) == [1, 2])
        try worker.open(worker.route)
        worker.turn(.wake)
        #expect(worker.dispatcher.outstanding == ["http://sink.test/evt_3", "http://sink.test/evt_3"])
    }

    @Test func aReplayedDeadLetterIsDeliveredAgainAsANewRecord() throws {
        let worker = try WorkerHarness()
        worker.commit("evt_1")
        worker.turn(.wake)
        worker.answer(400)
        let log = try worker.store.deadLetters(sink: worker.sink)
        let letters = try #require(try log.entries(log.select(.init()))).map(\.letter)
        let failures = worker.store.reEnqueue(letters, sink: worker.sink, acceptedAtMillis: worker.clock.wallMillis)
        #expect(failures.isEmpty)
        worker.turn(.wake)
        #expect(worker.dispatcher.outstanding == ["http://sink.test/evt_1"])
        worker.answer(200)
        #expect(worker.current.delivered == 1)
    }

    @Test func eventsAnotherInstanceAcceptedAreSkippedNotSent() throws {
        let worker = try WorkerHarness()
        worker.store.elsewhere.withLock { $0 = ["evt_2"] }
        worker.commit("evt_1", "evt_2", "evt_3")
        worker.turn(.wake)
        #expect(worker.dispatcher.outstanding == ["http://sink.test/evt_1", "http://sink.test/evt_3"])
        #expect(worker.current.skipped == 1)
    }

    @Test func aFailedReadIsReportedAndRetriedOnTheNextTurn() throws {
        let worker = try WorkerHarness()
        worker.commit("evt_1")
        worker.store.failures.read = SpoolError(code: .ioError, message: "EIO")
        worker.turn(.wake)
        #expect(worker.dispatcher.outstanding.isEmpty)
        #expect(worker.current.lastError?.contains("reading the spool failed") == true)
        worker.store.failures.read = nil
        worker.sleep()
        #expect(worker.dispatcher.outstanding == ["http://sink.test/evt_1"])
    }
}
