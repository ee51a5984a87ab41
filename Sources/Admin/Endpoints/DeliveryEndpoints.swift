import RelayCore
import RelayDispatch

/// `GET /admin/deliveries?sink=&status=&limit=` (recent attempts, newest first) and
/// `GET /admin/activity?sink=` (attempts per 10 s over the last 10 minutes, by sink).
enum DeliveryEndpoints {
    static func routes(_ backend: any AdminBackend) -> [AdminRoute] {
        [
            AdminRoute(
                path: "/admin/deliveries", methods: ["GET"], endpoint: "deliveries",
                work: .inline { request in
                    deliveries(backend, request.query)
                }),
            AdminRoute(
                path: "/admin/activity", methods: ["GET"], endpoint: "activity",
                work: .inline { request in
                    activity(backend, request.query)
                }),
        ]
    }

    static func deliveries(_ backend: any AdminBackend, _ query: [String: String]) -> AdminResponse {
        let limit: Int
        do {
            limit = try AdminQuery.count(query["limit"], name: "limit", default: 50, range: 1...1000)
        } catch {
            return .error(400, error.reason)
        }
        let recent = backend.recentAttempts(sink: query["sink"])
        var attempts: [(String, DeliveryAttempt)] = []
        if let sink = query["sink"] {
            guard let list = recent[sink] else {
                return .error(404, "no running sink named '\(sink)' (see /admin/sinks)")
            }
            attempts = list.map { (sink, $0) }
        } else {
            for (sink, list) in recent { attempts += list.map { (sink, $0) } }
            attempts.sort { $0.1.atMillis > $1.1.atMillis }
        }
        if let status = query["status"] {
            guard let filter = DeliveryStatusFilter(status) else {
                return .error(
                    400, "status must be delivered, retry, dead, paused, error, an HTTP code or a class like 5xx")
            }
            attempts = attempts.filter { filter.matches(outcome: $0.1.outcome, status: $0.1.status) }
        }
        let shown = attempts.prefix(limit).map { sink, attempt in
            JSONValue.object([
                "sink": .string(sink), "at": .time(millis: attempt.atMillis), "event_id": .string(attempt.eventID),
                "event_type": .string(attempt.eventType), "attempt": .int(attempt.attempt),
                "outcome": .string(attempt.outcome.rawValue), "status": attempt.status.map { .int($0) } ?? .null,
                "error": .optional(attempt.error),
                "latency_ms": .seconds(Double(attempt.latency / .microseconds(1)) / 1000),
                "response_excerpt": .string(attempt.responseExcerpt),
            ])
        }
        return .json(200, .object(["deliveries": .array(Array(shown))]))
    }

    static func activity(_ backend: any AdminBackend, _ query: [String: String]) -> AdminResponse {
        let now = WallClock.nowMillis()
        let series = backend.activity(sink: query["sink"], nowMillis: now)
        if let sink = query["sink"], series[sink] == nil {
            return .error(404, "no running sink named '\(sink)' (see /admin/sinks)")
        }
        let first = series.values.first
        return .json(
            200,
            .object([
                "bucket_seconds": .int((first?.bucketMillis ?? 10_000) / 1000),
                "start": first.map { .time(millis: $0.startMillis) } ?? .null,
                "sinks": .array(
                    series.keys.sorted().compactMap { name in
                        series[name].map { counts in
                            .object([
                                "name": .string(name), "delivered": .array(counts.delivered.map { .int($0) }),
                                "failed": .array(counts.failed.map { .int($0) }),
                            ])
                        }
                    }),
            ]))
    }
}
