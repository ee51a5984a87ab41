import Logging
import RelayCore
import RelayTestSupport
import Spool
import Synchronization

@testable import RelayDispatch

/// A dispatcher that sends nothing: it keeps each request until the test answers it.
final class ScriptedDispatcher: RequestDispatcher {
    typealias Completion = @Sendable (DeliveryResult, Duration) -> Void
    private let waiting = Mutex<[(request: OutboundRequest, completion: Completion)]>([])

    func submit(_ request: OutboundRequest, affinity: Int?, completion: @escaping Completion) {
        waiting.withLock { $0.append((request, completion)) }
    }

    /// The URLs of the requests not answered yet, oldest first.
    var outstanding: [String] { waiting.withLock { $0.map(\.request.url) } }

    /// Answers every outstanding request with `result`; returns how many.
    @discardableResult
    func answerAll(_ result: DeliveryResult) -> Int {
        let due = waiting.withLock { waiting in
            defer { waiting = [] }
            return waiting
        }
        for entry in due { entry.completion(result, .milliseconds(3)) }
        return due.count
    }
}

/// A sink that posts each record's body to `http://sink.test/<key>`.
final class PostingSink: Sink {
    func attempt(_ records: [SpoolRecord], atMillis: Int64) -> [SinkAttempt] {
        records.map {
            .request(
                OutboundRequest(
                    url: "http://sink.test/\($0.dedupeKey)", headers: [], body: $0.body, timeout: .seconds(5)))
        }
    }
}

/// One sink's ``WorkerLoop`` over the in-memory storage seam, a scripted dispatcher and a manual
/// clock: each turn is run by the test, with the events the worker's inbox would have held.
final class WorkerHarness {
    static let start: Int64 = 1_760_000_000_000
    let clock = ManualClock(wallMillis: WorkerHarness.start)
    let store = MemoryDeliveryStore()
    let dispatcher = ScriptedDispatcher()
    let status = StatusBox()
    let sink = "hooks"
    private let inbox = Inbox()
    private(set) var loop: WorkerLoop<ManualClock>!
    private(set) var route: Route!
    /// When the last turn asked to run again.
    private(set) var wake: MonotonicInstant?

    init(
        attempts: Int = 5, backoff: Duration = .seconds(1), maxAge: Duration = .seconds(3600), concurrency: Int = 4
    ) throws {
        let retry = try RetryPolicy(
            maxAttempts: attempts, initialBackoff: backoff, maximumBackoff: backoff, maxAge: maxAge)
        try open(Route(name: sink, sink: TestSinkSettings(), retry: retry, concurrency: concurrency))
    }

    /// Opens a new queue and loop for `route` (as a restarted worker would).
    func open(_ route: Route) throws {
        let inbox = self.inbox
        self.route = route
        loop = nil  // closes the previous queue: one reader per sink
        loop = WorkerLoop(
            route: route, sink: PostingSink(), queue: try store.openQueue(sink: sink), dispatcher: dispatcher,
            clock: clock, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), status: status,
            observer: nil, completed: { event in inbox.events.withLock { $0.append(event) } })
    }

    /// Commits events `keys` to the sink.
    func commit(_ keys: String...) {
        for key in keys { store.commit(sink: sink, key: key, acceptedAtMillis: clock.wallMillis) }
    }

    /// Runs one turn with what the inbox holds, plus `events`.
    @discardableResult
    func turn(_ events: SinkWorker.Event...) -> MonotonicInstant? {
        let queued = inbox.events.withLock { inbox in
            defer { inbox = [] }
            return inbox
        }
        wake = loop.turn(queued + events)
        return wake
    }

    /// Answers every outstanding request with `status`, then runs a turn.
    func answer(_ code: Int, retryAfter: String? = nil, body: String = "") {
        dispatcher.answerAll(.response(status: code, retryAfter: retryAfter, bodyExcerpt: body))
        turn()
    }

    /// Moves the clock to the wake the last turn asked for, then runs a turn.
    func sleep() {
        if let wake { clock.advance(to: wake) }
        turn()
    }

    /// Moves the clock by `duration`, then runs a turn.
    func advance(_ duration: Duration) {
        clock.advance(by: duration)
        turn()
    }

    var current: SinkWorker.Status { status.value.withLock { $0 } }

    /// Keys of the sink's dead letters, oldest first.
    func deadKeys() throws -> [String] {
        let log = try store.deadLetters(sink: sink)
        return (try log.entries(log.select(.init())) ?? []).sorted { $0.letter.sequence < $1.letter.sequence }
            .map(\.letter.dedupeKey)
    }
}

/// What the worker's inbox would hold: the results of finished attempts.
final class Inbox: Sendable {
    let events = Mutex<[SinkWorker.Event]>([])
}

/// Settings of a sink kind that exists only in these tests.
struct TestSinkSettings: SinkSettings {
    static let kind = "test"
    var exclusiveResource: String? { nil }
    func isEqual(to other: any SinkSettings) -> Bool { other is TestSinkSettings }
    var description: String { "test" }
}
