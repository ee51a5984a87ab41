import RelayCore
import RelayDispatch
import Spool

/// One sink as `GET /admin/sinks` shows it: every route in force, every running worker (a
/// removed route still draining included) and every spool on disk (an orphan included).
package struct SinkReport {
    var name: String
    var kind: String?
    /// `running`, `paused`, `circuit open`, `draining`, `disabled` or `orphaned`.
    var state: String
    var reason: String?
    var depth: Int
    var bytes: Int
    var segments: Int
    var oldestUndeliveredAgeSeconds: Double?
    var inFlight: Int
    var delivered: Int
    var deadLetters: Int
    var lastError: String?
    var lastErrorAtMillis: Int64?

    var json: JSONValue {
        .object([
            "name": .string(name), "kind": .optional(kind), "state": .string(state), "reason": .optional(reason),
            "spool": .object([
                "depth": .int(depth), "bytes": .int(bytes), "segments": .int(segments),
                "oldest_undelivered_age_seconds": oldestUndeliveredAgeSeconds.map(JSONValue.seconds) ?? .null,
            ]),
            "in_flight": .int(inFlight), "delivered": .int(delivered), "dead_letters": .int(deadLetters),
            "last_error": .optional(lastError),
            "last_error_at": lastErrorAtMillis.map { .time(millis: $0) } ?? .null,
        ])
    }

    /// Every sink the relay knows, by name.
    package static func all(
        routes table: RouteTable, fleet: SinkFleet, writer: GroupCommitWriter, dataDirectory: DataDirectory
    ) -> [SinkReport] {
        let routes = Dictionary(uniqueKeysWithValues: table.routes.map { ($0.name, $0) })
        let workers = fleet.all
        let stats = writer.statistics()
        let dead = Set(dataDirectory.deadLetterSinks())
        let names = Set(routes.keys).union(workers.keys).union(stats.keys).sorted()
        let now = WallClock.nowMillis()
        return names.compactMap { name -> SinkReport? in
            let spool = stats[name] ?? SpoolStats()
            var report = SinkReport(
                name: name, kind: (workers[name]?.route ?? routes[name]).map(\.sink.kind), state: "running",
                depth: 0, bytes: spool.bytes, segments: spool.segments, inFlight: 0, delivered: 0, deadLetters: 0)
            if dead.contains(name) || workers[name] != nil {
                report.deadLetters = (try? fleet.deadLetters(sink: name).liveCount) ?? 0
            }
            if let worker = workers[name] {
                let status = worker.currentStatus
                report.depth = status.depth
                report.inFlight = status.inFlight
                report.delivered = status.delivered
                report.lastError = status.lastError
                report.lastErrorAtMillis = status.lastErrorAtMillis
                report.oldestUndeliveredAgeSeconds = status.oldestAcceptedAtMillis.map {
                    Double(max(0, now - $0)) / 1000
                }
                if let draining = status.draining {
                    (report.state, report.reason) = ("draining", draining)
                } else if let paused = status.paused {
                    (report.state, report.reason) = (
                        "paused", paused + "; fix the endpoint, then replay its dead letters"
                    )
                } else if status.circuitOpen {
                    report.state = "circuit open"
                    report.reason =
                        "\(status.consecutiveFailures) consecutive failures; only the oldest event is retried until it gets through"
                }
                return report
            }
            report.depth = offlineDepth(sink: name, writer: writer, dataDirectory: dataDirectory)
            if let route = routes[name] {
                report.state = route.enabled ? "stopped" : "disabled"
                report.reason = route.disabledReason ?? (route.enabled ? nil : "disabled")
            } else {
                // A spool left empty by a route removed earlier is not worth a line.
                guard report.depth > 0 || report.deadLetters > 0 else { return nil }
                report.state = "orphaned"
                report.reason =
                    "no route file names this sink; its spool is kept: restore the route to deliver it, or delete data/spool/\(name)"
            }
            return report
        }
    }

    /// Records waiting in the spool of a sink no worker runs for (disabled or orphaned).
    private static func offlineDepth(sink: String, writer: GroupCommitWriter, dataDirectory: DataDirectory) -> Int {
        guard
            let reader = try? SpoolReader(
                sink: sink, directory: dataDirectory.spool(sink), fileSystem: writer.configuration.fileSystem,
                counting: true)
        else { return 0 }
        return reader.pendingCount(committed: writer.commitMark(sink: sink))
    }
}
