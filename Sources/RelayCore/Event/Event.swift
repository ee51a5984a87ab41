/// One Moda webhook event, normalised from either payload shape.
///
/// The current shape is `{id: "evt_…", type, created, api_version, data}`; the legacy jobs
/// shape is flat, `{event: "job.completed", job_id, canvas_id, status, …}`. Routes match on
/// `type` and on dotted paths into `json`, the document exactly as Moda sent it.
package struct Event: Sendable {
    /// Which payload shape the sender used.
    package enum Shape: String, Sendable {
        case current
        case legacy
    }

    package var shape: Shape
    /// `evt_…` for the current shape; the job id for the legacy shape.
    package var id: String
    /// `task.succeeded`, `job.completed`, …
    package var type: String
    /// The key retries of this event share: the event id, or `job:<job_id>:<event>` for legacy jobs.
    package var dedupeKey: String
    /// The parsed document: whole, or only the envelope members when the decoder was asked
    /// for the fast path (no route matches on fields).
    package var json: JSONValue

    /// The closed set of event types Moda documents; anything else is a sender bug to report.
    package static let documentedTypes: Set<String> = [
        "task.succeeded", "task.failed", "task.canceled", "export.succeeded", "export.failed",
        "job.completed", "job.failed", "job.cancelled",
    ]

    /// Whether `type` is one of the documented event types.
    package var isDocumentedType: Bool { Event.documentedTypes.contains(type) }
}
