import Backfill
import RelayCore

extension BackfillStatus {
    /// The reconciler's state as `/admin/backfill` and `/admin/sinks` show it. Never the key.
    package var json: JSONValue {
        .object([
            "enabled": .bool(enabled), "interval_seconds": intervalSeconds.map { .int($0) } ?? .null,
            "running": .bool(running), "last_run": lastRunAtMillis.map { .time(millis: $0) } ?? .null,
            "last_success": lastSuccessAtMillis.map { .time(millis: $0) } ?? .null,
            "last_outcome": .optional(lastOutcome), "found": .int(found), "requested": .int(requested),
            "failed": .int(failed), "last_error": .optional(lastError),
            "next_since": watermarkMillis.map { .time(millis: $0) } ?? .null,
        ])
    }
}
