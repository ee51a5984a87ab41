import RelayCore
import RelayDispatch
import Spool

/// Dead letters as the admin API writes them.
enum DeadLetterJSON {
    static func entry(_ entry: DeadLetterLog.Entry, sink: String, body: Bool) -> JSONValue {
        guard case .object(var fields) = letter(entry.letter) else { return .null }
        fields["sink"] = .string(sink)
        fields["history"] = .array(entry.history.map(letter))
        if body {
            // Written as stored, never parsed into a tree (it was checked when Moda sent it).
            let text = String(decoding: entry.letter.body, as: UTF8.self)
            fields["event"] = JSONParser.isValid(entry.letter.body) ? .raw(text) : .string(text)
        }
        return .object(fields)
    }

    private static func letter(_ letter: DeadLetter) -> JSONValue {
        .object([
            "id": .string(letter.dedupeKey), "event_type": .string(letter.eventType),
            "sequence": .int(letter.sequence), "accepted_at": .time(millis: letter.acceptedAtMillis),
            "dead_at": .time(millis: letter.deadAtMillis), "attempts": .int(letter.attempts),
            "last_status": letter.lastStatus.map { .int($0) } ?? .null,
            "last_error": letter.lastError.isEmpty ? .null : .string(letter.lastError),
            "reason": .string(letter.reason), "response_excerpt": .string(letter.responseExcerpt),
            "body_bytes": .int(letter.bodyBytes),
        ])
    }
}

extension ReplayReport {
    /// The answer of `POST /admin/dead/replay`.
    var json: JSONValue {
        .object([
            "ok": .bool(failed.isEmpty), "sink": .string(sink), "replayed": .int(replayed.count),
            "ids": .array(replayed.map(JSONValue.string)), "not_found": .array(notFound.map(JSONValue.string)),
            "failed": .object(failed.mapValues(JSONValue.string)),
        ])
    }
}
