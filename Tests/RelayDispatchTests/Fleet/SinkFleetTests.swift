import Logging
import RelayCore
import RelayTestSupport
import Spool
import Synchronization
import Testing

@testable import RelayDispatch

/// A dispatcher that answers every request at once, with the status its script gives the URL.
final class AnsweringDispatcher: RequestDispatcher {
    private let script: @Sendable (String) -> Int
    private let sentURLs = Mutex<[String]>([])

    init(_ script: @escaping @Sendable (String) -> Int = { _ in 200 }) { self.script = script }

    func submit(
        _ request: OutboundRequest, affinity: Int?, completion: @escaping @Sendable (DeliveryResult, Duration) -> Void
    ) {
        sentURLs.withLock { $0.append(request.url) }
        completion(.response(status: script(request.url), retryAfter: nil, bodyExcerpt: ""), .milliseconds(1))
    }

    var sent: [String] { sentURLs.withLock { $0 } }
}

/// Builds a ``PostingSink`` for every route.
struct PostingSinks: SinkFactory {
    func makeSink(for route: Route) throws -> any Sink { PostingSink() }
}

/// The fleet and the dead-letter replay over the in-memory storage seam: real worker threads, no
/// sockets and no files.
@Suite struct SinkFleetTests {
    let store = MemoryDeliveryStore()
    let now = WallClock.nowMillis()

    func fleet(_ dispatcher: AnsweringDispatcher) -> SinkFleet {
        SinkFleet(
            store: store, dispatcher: dispatcher, sinks: PostingSinks(),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), observer: nil)
    }

    static func route(_ name: String, enabled: Bool = true) -> Route {
        Route(name: name, sink: TestSinkSettings(), enabled: enabled)
    }

    @Test func aStartedWorkerDeliversWhatIsCommittedAndStopsWithItFlushed() async throws {
        let fleet = fleet(AnsweringDispatcher())
        let change = try await fleet.apply(RouteTable(routes: [Self.route("a"), Self.route("off", enabled: false)]))
        #expect(change.started == ["a"])
        for n in 1...3 { store.commit(sink: "a", key: "evt_\(n)", acceptedAtMillis: now) }
        fleet.wake(["a"])
        #expect(try await eventually(.seconds(30)) { fleet.worker("a")?.currentStatus.delivered == 3 })
        await fleet.stopAll()
        #expect(store.acknowledged("a") == [1, 2, 3])
        #expect(store.queues("a").open == false)
        #expect(store.queues("off").opened == 0)
    }

    @Test func aRemovedRouteDrainsItsQueueAndIsReapedOnlyOnceClosedAndEmpty() async throws {
        let fleet = fleet(AnsweringDispatcher())
        _ = try await fleet.apply(RouteTable(routes: [Self.route("a")]))
        store.commit(sink: "a", key: "evt_1", acceptedAtMillis: now)
        let change = try await fleet.apply(RouteTable(routes: []))
        #expect(change.draining == ["a"])
        fleet.wake(["a"])
        // Delivered, and settled: nothing held, nothing pending.
        #expect(
            try await eventually(.seconds(30)) {
                guard let status = fleet.worker("a")?.currentStatus else { return false }
                return status.delivered == 1 && status.inFlight == 0 && status.depth == 0
            })
        // Still taking events (the store has not closed it): not reaped.
        #expect(await fleet.reapDrained().isEmpty)
        store.close(sink: "a")
        fleet.wake(["a"])
        // The worker publishes the closed mark it counted against on its next turn.
        #expect(
            try await eventually(.seconds(30)) {
                fleet.worker("a")?.currentStatus.committedThrough == store.closedMark(sink: "a")
            })
        #expect(await fleet.reapDrained() == ["a"])
        #expect(fleet.worker("a") == nil)
        #expect(store.acknowledged("a") == [1])
    }

    @Test func aChangedRouteGetsANewWorkerAfterTheOldOneClosedItsQueue() async throws {
        let fleet = fleet(AnsweringDispatcher())
        _ = try await fleet.apply(RouteTable(routes: [Self.route("a")]))
        let change = try await fleet.apply(
            RouteTable(routes: [Route(name: "a", sink: TestSinkSettings(), concurrency: 1)]))
        #expect(change.restarted == ["a"])
        #expect(store.queues("a").opened == 2)
        await fleet.stopAll()
    }

    @Test func deadLettersAreReplayedOnceAndThenDelivered() async throws {
        let failing = Mutex(true)
        let dispatcher = AnsweringDispatcher { _ in failing.withLock { $0 } ? 400 : 200 }
        let fleet = fleet(dispatcher)
        _ = try await fleet.apply(RouteTable(routes: [Self.route("a")]))
        for n in 1...2 { store.commit(sink: "a", key: "evt_\(n)", acceptedAtMillis: now) }
        fleet.wake(["a"])
        #expect(try await eventually(.seconds(30)) { fleet.worker("a")?.currentStatus.deadLetters == 2 })
        failing.withLock { $0 = false }

        let replayer = DeadLetterReplayer(fleet: fleet, logger: Logger(label: "test"))
        let table = RouteTable(routes: [Self.route("a")])
        let report = try replayer.replay(sink: "a", ids: nil, sinceMillis: nil, untilMillis: nil, routes: table)
        #expect(report.replayed == ["evt_1", "evt_2"])
        #expect(try await eventually(.seconds(30)) { fleet.worker("a")?.currentStatus.delivered == 2 })
        // Marked replayed: a second replay finds nothing to send.
        let again = try replayer.replay(sink: "a", ids: nil, sinceMillis: nil, untilMillis: nil, routes: table)
        #expect(again.replayed.isEmpty)
        await fleet.stopAll()
        #expect(dispatcher.sent.count == 4)
    }

    @Test func aReplayOfAnUnknownOrDisabledRouteIsRefusedWithItsReason() async throws {
        let fleet = fleet(AnsweringDispatcher())
        let table = RouteTable(routes: [Self.route("off", enabled: false)])
        _ = try await fleet.apply(table)
        let replayer = DeadLetterReplayer(fleet: fleet, logger: Logger(label: "test"))
        #expect(throws: ReplayFailure.self) {
            try replayer.replay(sink: "nope", ids: nil, sinceMillis: nil, untilMillis: nil, routes: table)
        }
        do {
            _ = try replayer.replay(sink: "off", ids: nil, sinceMillis: nil, untilMillis: nil, routes: table)
            Issue.record("a disabled route was replayed into")
        } catch {
            #expect(error.status == 409)
        }
    }
}
