import Logging
import RelayCore
import Spool
import Synchronization

/// Every enabled route's delivery worker, reshaped when the routes are reloaded.
///
/// - A new enabled route gets a worker; a route whose delivery settings changed gets a new one
///   (the old one stops between attempts first, so one reader owns a spool at a time).
/// - A route disabled by the reload stops; its spool waits on disk until it is enabled again.
/// - A route removed by the reload keeps draining what its spool holds, and says so in its
///   status; ``reapDrained()`` stops it once nothing is left.
///
/// ``apply(_:)``, ``reapDrained()`` and ``stopAll()`` change the set of workers and must be
/// called by one task at a time (the relay's maintenance loop, then its shutdown). Reads and
/// ``wake(_:)`` may come from any thread.
package final class SinkFleet: Sendable {
    /// What an ``apply(_:)`` did, by route name.
    package struct Change: Sendable, Equatable {
        package var started: [String] = []
        package var restarted: [String] = []
        package var draining: [String] = []
        package var stopped: [String] = []
        /// Routes whose new worker could not start; each keeps its previous worker, if it had one.
        package var failed: [String: String] = [:]
    }

    private let workers = Mutex<[String: SinkWorker]>([:])
    /// Where the sinks' records and dead letters live: the storage seam.
    package let store: any DeliveryStore
    private let dispatcher: any RequestDispatcher
    private let logger: Logger
    private let observer: (any DeliveryObserver)?
    private let sinks: any SinkFactory

    package init(
        store: any DeliveryStore, dispatcher: any RequestDispatcher, sinks: any SinkFactory, logger: Logger,
        observer: (any DeliveryObserver)?
    ) {
        self.sinks = sinks
        self.store = store
        self.dispatcher = dispatcher
        self.logger = logger
        self.observer = observer
    }

    /// The worker of `sink`, if one runs.
    package func worker(_ sink: String) -> SinkWorker? { workers.withLock { $0[sink] } }

    /// Every running worker, by sink name.
    package var all: [String: SinkWorker] { workers.withLock { $0 } }

    /// Wakes the workers of `sinks` (new records were committed).
    package func wake(_ sinks: Set<String>) {
        let targets = workers.withLock { workers in sinks.compactMap { workers[$0] } }
        for worker in targets { worker.wake() }
    }

    /// The dead-letter log of `sink`, shared by its worker and the admin API; opened on first use.
    package func deadLetters(sink: String) throws(SpoolError) -> DeadLetterLog { try store.deadLetters(sink: sink) }

    /// Brings the workers in line with `table`. Throws only if a brand-new route's worker
    /// cannot start; then nothing was changed.
    package func apply(_ table: RouteTable) async throws -> Change {
        var change = Change()
        let wanted = Dictionary(uniqueKeysWithValues: table.enabled.map { ($0.name, $0) })
        let known = Set(table.routes.map(\.name))
        let current = all

        // New routes first: if one cannot start, undo those and change nothing else.
        var started: [SinkWorker] = []
        for (name, route) in wanted.sorted(by: { $0.key < $1.key }) where current[name] == nil {
            do {
                started.append(try start(route))
                change.started.append(name)
            } catch {
                for worker in started { await stop(worker.route.name) }
                throw error
            }
        }
        for (name, worker) in current.sorted(by: { $0.key < $1.key }) {
            if let route = wanted[name] {
                if worker.route.deliversLike(route), worker.currentStatus.draining == nil { continue }
                await stop(name)
                do {
                    _ = try start(route)
                    change.restarted.append(name)
                } catch {
                    change.failed[name] = "\(error)"
                    logger.error(
                        "route reloaded but its worker cannot start; keeping the previous version",
                        metadata: ["relay.sink": "\(name)", "relay.error": "\(error)"])
                    _ = try? start(worker.route)
                }
            } else if known.contains(name) {
                await stop(name)
                change.stopped.append(name)
            } else if worker.currentStatus.draining == nil {
                worker.drain(reason: "route removed; delivering what its spool still holds, then stopping")
                change.draining.append(name)
            }
        }
        return change
    }

    /// Stops the workers of removed routes whose spools are empty; returns their names.
    ///
    /// Empty means: the store takes no more events for the route (``DeliveryStore/closedMark(sink:)``
    /// is set), and the worker has delivered everything below that final commit mark. An event routed by
    /// the old table whose commit was still queued when the route was removed is therefore
    /// delivered before the worker stops, never left in a spool nobody reads.
    package func reapDrained() async -> [String] {
        let done = all.filter { name, worker in
            let status = worker.currentStatus
            return status.draining != nil && status.depth == 0 && status.inFlight == 0
                && store.closedMark(sink: name) == status.committedThrough
        }
        for name in done.keys.sorted() {
            await stop(name)
            logger.notice("removed route drained; its worker stopped", metadata: ["relay.sink": "\(name)"])
        }
        return done.keys.sorted()
    }

    /// Stops every worker between attempts (shutdown).
    package func stopAll() async {
        for name in all.keys.sorted() { await stop(name) }
    }

    private func start(_ route: Route) throws -> SinkWorker {
        // Before the table that routes to it is swapped in, so no append naming it is refused.
        store.accept(sink: route.name)
        let sink = try sinks.makeSink(for: route)
        let worker = SinkWorker(
            route: route, sink: sink, queue: try store.openQueue(sink: route.name), dispatcher: dispatcher,
            deadLetters: try store.deadLetters(sink: route.name), logger: logger, observer: observer)
        workers.withLock { $0[route.name] = worker }
        worker.wake()
        return worker
    }

    private func stop(_ name: String) async {
        guard let worker = workers.withLock({ $0.removeValue(forKey: name) }) else { return }
        await worker.stop()
    }
}
