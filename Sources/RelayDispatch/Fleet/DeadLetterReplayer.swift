import Logging
import RelayCore
import Spool

/// Puts dead letters back into their sink's spool, in chunks of group commits, and marks them
/// replayed. Used by the admin API's `POST /admin/dead/replay`; knows nothing of HTTP.
package struct DeadLetterReplayer: Sendable {
    package let fleet: SinkFleet
    package let logger: Logger

    package init(fleet: SinkFleet, logger: Logger) {
        self.fleet = fleet
        self.logger = logger
    }

    /// Dead letters re-enqueued per group commit during a replay: at most this many, and only as
    /// many as fit in ``chunkBytes`` (at least one), so memory holds one chunk of bodies.
    package static let chunkSize = 256
    package static let chunkBytes = 16 << 20

    /// Puts one chunk of chosen events back into the sink's queue (one group commit) and waits;
    /// returns the keys now durable again, and records them (or their errors) in `report`.
    private func replayChunk(
        _ chosen: [DeadLetterLog.Entry], sink: String, atMillis now: Int64, report: inout ReplayReport
    ) -> Set<String> {
        // Accepted "now" for the retry budget: max_age counts from the replay.
        let failures = fleet.store.reEnqueue(chosen.map(\.letter), sink: sink, acceptedAtMillis: now)
        var replayed = Set<String>()
        for entry in chosen {
            let key = entry.letter.dedupeKey
            if let error = failures[key] {
                report.failed[key] = "\(error)"
            } else {
                report.replayed.append(key)
                replayed.insert(key)
            }
        }
        return replayed
    }

    /// Re-enqueues dead letters of `sink` for delivery: those with the given ids, or dead
    /// between `sinceMillis` and `untilMillis`, or all. Each goes back into the sink's spool as a
    /// new record (durable first), then its letter is marked replayed; if it dies again, its new
    /// letter carries the earlier ones as history. A paused sink resumes.
    ///
    /// Blocks (file reads, waiting for the commit, an fsync): call it on a blocking pool.
    package func replay(
        sink: String, ids: [String]?, sinceMillis: Int64?, untilMillis: Int64?, routes: RouteTable
    ) throws(ReplayFailure) -> ReplayReport {
        guard let worker = fleet.worker(sink) else {
            if let route = routes.routes.first(where: { $0.name == sink }) {
                throw ReplayFailure(
                    status: 409,
                    reason:
                        "route '\(sink)' is disabled (\(route.disabledReason ?? "disabled")); enable it, then replay")
            }
            throw ReplayFailure(status: 404, reason: "no route named '\(sink)' runs; replay needs its route")
        }
        if let draining = worker.currentStatus.draining {
            throw ReplayFailure(
                status: 409,
                reason: "route '\(sink)' was removed (\(draining)); restore its file, then replay")
        }
        let log = worker.deadLetters
        // One replay of a sink at a time: two (a double click in the console, the CLI and the
        // console) would choose the same letters and send the events twice.
        guard log.beginReplay() else {
            throw ReplayFailure(
                status: 409, reason: "a replay of '\(sink)' is already running; ask again once it has finished")
        }
        defer { log.endReplay() }
        let selection = log.select(DeadLetterLog.Filter(sinceMillis: sinceMillis, untilMillis: untilMillis, ids: ids))
        var report = ReplayReport(sink: sink)
        report.notFound = selection.notFound
        let now = WallClock.nowMillis()
        // In chunks: memory holds one chunk of bodies, however many letters are replayed.
        var start = 0
        while start < selection.count {
            let range = start..<min(selection.count, start + Self.chunkSize)
            let chosen: [DeadLetterLog.Entry]
            do {
                guard let entries = try log.entries(selection.slice(range), byteBudget: Self.chunkBytes) else {
                    report.failed["(the rest)"] =
                        "the dead letters were compacted by another replay meanwhile; replay again for what is left"
                    break
                }
                chosen = entries
                start += entries.count
            } catch {
                throw ReplayFailure(status: 500, reason: "cannot read the dead letters of '\(sink)': \(error)")
            }
            let replayed = replayChunk(chosen, sink: sink, atMillis: now, report: &report)
            do {
                try log.markReplayed(
                    Dictionary(
                        chosen.filter { replayed.contains($0.letter.dedupeKey) }.map {
                            ($0.letter.dedupeKey, $0.unreplayed)
                        }, uniquingKeysWith: { $0.union($1) }), atMillis: now)
            } catch {
                // The events are back in the spool; their letters still list them (a later replay
                // would send them again: at-least-once).
                logger.error(
                    "replayed events could not be marked in the dead letters",
                    metadata: ["relay.sink": "\(sink)", "relay.error": "\(error)"])
            }
        }
        report.replayed.sort()
        do {
            let freed = try log.compactIfWorthwhile()
            if freed > 0 {
                logger.info(
                    "dead letters compacted", metadata: ["relay.sink": "\(sink)", "relay.bytes_freed": "\(freed)"])
            }
        } catch {
            logger.warning(
                "dead letters could not be compacted", metadata: ["relay.sink": "\(sink)", "relay.error": "\(error)"])
        }
        worker.resume()
        worker.wake()
        logger.notice(
            "dead letters replayed",
            metadata: [
                "relay.sink": "\(sink)", "relay.replayed": "\(report.replayed.count)",
                "relay.failed": "\(report.failed.count)", "relay.not_found": "\(report.notFound.count)",
            ])
        return report
    }
}
