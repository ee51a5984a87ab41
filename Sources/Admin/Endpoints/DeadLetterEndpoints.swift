import RelayCore
import RelayDispatch
import Spool

/// `GET /admin/dead?sink=&id=&since=&until=&limit=&offset=&body=` (dead letters with reasons and
/// history) and `POST /admin/dead/replay` (re-enqueue dead letters). Both read files or wait for
/// commits, so both run on the blocking pool.
enum DeadLetterEndpoints {
    static func routes(_ backend: any AdminBackend) -> [AdminRoute] {
        [
            AdminRoute(
                path: "/admin/dead", methods: ["GET"], endpoint: "dead",
                work: .blocking { request in
                    dead(backend, request.query)
                }),
            AdminRoute(
                path: "/admin/dead/replay", methods: ["POST"], endpoint: "replay",
                work: .blocking { request in
                    replay(backend, body: request.body)
                }),
        ]
    }

    static func replay(_ backend: any AdminBackend, body: [UInt8]) -> AdminResponse {
        let request: ReplayRequest
        do throws(AdminQuery.Invalid) {
            request = try ReplayRequest(json: body)
        } catch {
            return .error(400, error.reason)
        }
        do {
            return .json(200, try backend.replay(request).json)
        } catch {
            return .error(error.status, error.reason)
        }
    }

    /// `GET /admin/dead`: one page of dead letters, newest first, of one sink or all of them,
    /// bounded by ``deadPageBytes``.
    static func dead(_ backend: any AdminBackend, _ query: [String: String]) -> AdminResponse {
        let limit: Int
        let offset: Int
        let since: Int64?
        let until: Int64?
        do {
            limit = try AdminQuery.count(query["limit"], name: "limit", default: 100, range: 1...10_000)
            offset = try AdminQuery.count(query["offset"], name: "offset", default: 0, range: 0...10_000_000)
            since = try AdminQuery.instant(query["since"], name: "since")
            until = try AdminQuery.instant(query["until"], name: "until")
        } catch {
            return .error(400, error.reason)
        }
        let sinks: [String]
        if let sink = query["sink"] {
            guard backend.deadLetterSinks().contains(sink) || backend.isRunning(sink: sink) else {
                return .error(404, "no sink named '\(sink)' has dead letters or a running worker")
            }
            sinks = [sink]
        } else {
            sinks = backend.deadLetterSinks()
        }
        let filter = DeadLetterLog.Filter(sinceMillis: since, untilMillis: until, ids: query["id"].map { [$0] })
        let withBody = AdminQuery.flag(query["body"])
        if sinks.count == 1, let sink = sinks.first {
            do {
                let page = try backend.deadLetters(sink: sink).page(
                    filter, offset: offset, limit: limit, bodies: withBody, byteBudget: Self.deadPageBytes)
                var fields: [String: JSONValue] = [
                    "count": .int(page.count), "offset": .int(offset),
                    "dead": .array(page.entries.map { DeadLetterJSON.entry($0, sink: sink, body: withBody) }),
                ]
                if page.entries.count < min(limit, max(0, page.count - offset)) {
                    fields["truncated"] = .bool(true)
                    fields["next_offset"] = .int(offset + page.entries.count)
                }
                return .json(200, .object(fields))
            } catch {
                return .error(500, "cannot read the dead letters of '\(sink)': \(error)")
            }
        }
        // Several sinks: choose the page from the indexes (no file reads), then read only its letters.
        var chosen: [(sink: String, log: DeadLetterLog, selection: DeadLetterLog.Selection)] = []
        for sink in sinks {
            do {
                let log = try backend.deadLetters(sink: sink)
                chosen.append((sink, log, log.select(filter, times: offset + limit)))
            } catch {
                return .error(500, "cannot read the dead letters of '\(sink)': \(error)")
            }
        }
        let total = chosen.reduce(0) { $0 + $1.selection.count }
        var order: [(at: Int64, sink: Int, position: Int)] = []
        for (which, entry) in chosen.enumerated() {
            for position in 0..<min(entry.selection.count, offset + limit) {
                order.append((entry.selection.deadAtMillis[position], which, position))
            }
        }
        order.sort { ($0.at, -$0.sink, -$0.position) > ($1.at, -$1.sink, -$1.position) }
        let page = Array(order.dropFirst(offset).prefix(limit))
        // Each sink's letters of the page, read within what is left of the byte budget.
        var read: [Int: [Int: JSONValue]] = [:]
        var budget = Self.deadPageBytes
        for (which, entry) in chosen.enumerated() {
            let positions = page.filter { $0.sink == which }.map(\.position)
            guard let first = positions.min(), let last = positions.max(), budget > 0 else { continue }
            do {
                guard
                    let entries = try entry.log.entries(
                        entry.selection.slice(first..<last + 1), bodies: withBody, byteBudget: budget)
                else {
                    return .error(503, "the dead letters of '\(entry.sink)' were compacted meanwhile; ask again")
                }
                for (index, letter) in entries.enumerated() {
                    read[which, default: [:]][first + index] = DeadLetterJSON.entry(
                        letter, sink: entry.sink, body: withBody)
                    budget -=
                        DeadLetterReading.headBytes * (letter.history.count + 1)
                        + (withBody ? letter.letter.bodyBytes : 0)
                }
            } catch {
                return .error(500, "cannot read the dead letters of '\(entry.sink)': \(error)")
            }
        }
        // In the page's order, up to the first letter the budget left out.
        var shown: [JSONValue] = []
        for slot in page {
            guard let json = read[slot.sink]?[slot.position] else { break }
            shown.append(json)
        }
        var fields: [String: JSONValue] = [
            "count": .int(total), "offset": .int(offset), "dead": .array(shown),
        ]
        if shown.count < page.count {
            fields["truncated"] = .bool(true)
            fields["next_offset"] = .int(offset + shown.count)
        }
        return .json(200, .object(fields))
    }

    /// The most bytes of dead letters one page reads back (bodies included): a page that would
    /// read more is cut there (`truncated`, `next_offset`), however large `limit` is.
    static let deadPageBytes = 8 << 20
}
