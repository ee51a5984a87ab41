import Foundation
import RelayCore
import Synchronization

/// The simulator's REST API: `GET /v1/webhook_deliveries` and `POST /v1/webhook_deliveries/{id}/redeliver`.
final class ModaAPI: Sendable {
    let state: Mutex<ModaSimulator.State>
    let simulator = Mutex<ModaSimulator?>(nil)
    let apiKey: String
    let cursorLifetime: Duration

    init(state: ModaSimulator.State, apiKey: String, cursorLifetime: Duration) {
        self.state = Mutex(state)
        self.apiKey = apiKey
        self.cursorLifetime = cursorLifetime
    }

    func answer(_ request: ScriptedSinkServer.Received) -> ScriptedSinkServer.Action {
        guard request.header("authorization") == "Bearer \(apiKey)" else {
            return error(401, "authentication_error", "invalid_api_key", "Invalid API key provided.")
        }
        guard let version = request.header("moda-version"), ["2026-05-01", "2026-04-12"].contains(version) else {
            return error(
                400, "invalid_request_error", "invalid_version", "Moda-Version must be 2026-05-01 or 2026-04-12.")
        }
        let throttled = state.withLock { state -> Bool in
            guard state.throttle > 0 else { return false }
            state.throttle -= 1
            return true
        }
        if throttled {
            return .respond(
                status: 429, headers: [("Retry-After", "1"), ("Content-Type", "application/json")],
                body: #"{"error":{"type":"rate_limit_error","code":"rate_limited","message":"Too many requests."}}"#)
        }
        let components = URLComponents(string: request.uri)
        let path = components?.path ?? ""
        let query = Dictionary(
            (components?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        if request.method == "GET", path == "/v1/webhook_deliveries" { return list(query) }
        let parts = path.split(separator: "/")
        if request.method == "POST", parts.count == 4, parts[0] == "v1", parts[1] == "webhook_deliveries",
            parts[3] == "redeliver"
        {
            return redeliver(String(parts[2]))
        }
        return error(404, "invalid_request_error", "not_found", "No such route.")
    }

    private func list(_ query: [String: String]) -> ScriptedSinkServer.Action {
        let limit = Int(query["limit"] ?? "50") ?? -1
        guard (1...200).contains(limit) else {
            return error(400, "invalid_request_error", "invalid_limit", "limit must be between 1 and 200.")
        }
        let from = query["from"].flatMap { Timestamp.parse($0) }
        let to = query["to"].flatMap { Timestamp.parse($0) }
        if (query["from"] != nil && from == nil) || (query["to"] != nil && to == nil) {
            return error(400, "invalid_request_error", "invalid_date", "from and to must be RFC 3339 date-times.")
        }
        return state.withLock { state -> ScriptedSinkServer.Action in
            var after: (Int64, String)?
            if let cursor = query["cursor"] {
                guard let position = decodeCursor(cursor, generation: state.cursorGeneration) else {
                    return error(400, "invalid_request_error", "cursor_expired", "The cursor has expired; start again.")
                }
                after = position
            }
            let matching = state.deliveries.filter { delivery in
                let created = Int64(delivery.createdAt.timeIntervalSince1970 * 1000)
                return (query["status"].map { $0 == delivery.status } ?? true)
                    && (query["event_type"].map { $0 == delivery.eventType } ?? true)
                    && (query["api_key_id"].map { $0 == delivery.apiKeyID } ?? true)
                    && (from.map { created >= $0 } ?? true) && (to.map { created <= $0 } ?? true)
            }.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
            let remaining = matching.filter { delivery in
                guard let after else { return true }
                return (Int64(delivery.createdAt.timeIntervalSince1970 * 1000), delivery.id) < after
            }
            // Moda may answer fewer rows than `limit`; the simulator's page size says how many.
            let size = min(limit, state.pageSize)
            let page = Array(remaining.prefix(size))
            let next =
                remaining.count > size ? page.last.map { encodeCursor($0, generation: state.cursorGeneration) } : nil
            state.listRequests += 1
            if let pages = state.expireAfterPages {
                state.expireAfterPages = pages > 1 ? pages - 1 : nil
                if pages <= 1 { state.cursorGeneration += 1 }
            }
            let rows = page.map(row).joined(separator: ",")
            let cursor = next.map { "\"\($0)\"" } ?? "null"
            return .respond(
                status: 200, headers: [("Content-Type", "application/json")],
                body: #"{"data":[\#(rows)],"next_cursor":\#(cursor)}"#)
        }
    }

    private func redeliver(_ id: String) -> ScriptedSinkServer.Action {
        let created = state.withLock { state -> ModaSimulator.Delivery? in
            guard let original = state.deliveries.first(where: { $0.id == id }) else { return nil }
            state.redeliveryRequests.append(id)
            state.sequence += 1
            var copy = original
            copy.id = String(format: "whd_%08d", state.sequence)
            copy.replayedFromID = id
            copy.attempts = 0
            copy.status = "pending"
            copy.createdAt = Date()
            copy.lastAttemptedAt = nil
            copy.responseStatus = nil
            copy.responseExcerpt = nil
            state.deliveries.append(copy)
            return copy
        }
        guard let created else { return error(404, "invalid_request_error", "not_found", "No such delivery: \(id).") }
        let (mode, delay) = state.withLock { ($0.redeliveryTimestamp, $0.redeliveryDelay) }
        simulator.withLock { $0 }?.send(created.id, timestamp: mode)
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline,
            state.withLock({ state in
                state.holdRedeliveryAnswersAfter.map { state.redeliveryRequests.count > $0 } ?? false
            })
        {
            Thread.sleep(forTimeInterval: 0.01)
        }
        if delay > .zero {
            Thread.sleep(
                forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
        }
        return .respond(
            status: 202, headers: [("Content-Type", "application/json")],
            body: #"{"id":"\#(created.id)","replayed_from_id":"\#(id)","status":"pending"}"#)
    }

    private func row(_ delivery: ModaSimulator.Delivery) -> String {
        func date(_ value: Date?) -> String {
            value.map { "\"" + Timestamp.rfc3339(millis: Int64($0.timeIntervalSince1970 * 1000)) + "\"" } ?? "null"
        }
        func text(_ value: String?) -> String {
            guard let value else { return "null" }
            var out = ""
            JSONValue.writeEscaped(value, to: &out)
            return out
        }
        return
            #"{"id":"\#(delivery.id)","event_type":\#(text(delivery.eventType)),"target_url":\#(text(delivery.targetURL)),"#
            + #""attempts":\#(delivery.attempts),"created_at":\#(date(delivery.createdAt)),"#
            + #""last_attempted_at":\#(date(delivery.lastAttemptedAt)),"#
            + #""response_status_code":\#(delivery.responseStatus.map(String.init) ?? "null"),"#
            + #""response_body_excerpt":\#(text(delivery.responseExcerpt)),"agent_job_id":\#(text(delivery.taskID)),"#
            + #""api_key_id":\#(text(delivery.apiKeyID)),"replayed_from_id":\#(text(delivery.replayedFromID))}"#
    }

    /// `generation.issued.createdMillis.id`, base64: opaque to the client, refused once expired.
    private func encodeCursor(_ delivery: ModaSimulator.Delivery, generation: Int) -> String {
        let issued = Int64(Date().timeIntervalSince1970 * 1000)
        let text = "\(generation).\(issued).\(Int64(delivery.createdAt.timeIntervalSince1970 * 1000)).\(delivery.id)"
        return Data(text.utf8).base64EncodedString()
    }

    private func decodeCursor(_ cursor: String, generation: Int) -> (Int64, String)? {
        guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: ".", maxSplits: 3)
        guard parts.count == 4, Int(parts[0]) == generation, let issued = Int64(parts[1]), let created = Int64(parts[2])
        else { return nil }
        let age = Int64(Date().timeIntervalSince1970 * 1000) - issued
        let lifetime = cursorLifetime.components.seconds * 1000
        guard age <= lifetime else { return nil }
        return (created, String(parts[3]))
    }

    private func error(_ status: Int, _ type: String, _ code: String, _ message: String) -> ScriptedSinkServer.Action {
        .respond(
            status: status, headers: [("Content-Type", "application/json")],
            body: #"{"error":{"type":"\#(type)","code":"\#(code)","message":"\#(message)"}}"#)
    }
}
