import RelayCore
import Telemetry

/// How the ingress answers one webhook request: the status, the JSON body's reason, and the
/// metric outcome.
package struct IngressOutcome: Sendable, Equatable {
    package var status: Int
    package var outcome: RelayMetrics.Outcome
    package var reason: String
    package var eventID: String?
    package var sinks: Int?

    package var isSuccess: Bool { status == 200 }

    package static func accepted(eventID: String, sinks: Int) -> IngressOutcome {
        IngressOutcome(
            status: 200, outcome: .accepted, reason: sinks == 0 ? "accepted; matched no route" : "accepted",
            eventID: eventID, sinks: sinks)
    }

    package static func duplicate(eventID: String) -> IngressOutcome {
        IngressOutcome(
            status: 200, outcome: .duplicate, reason: "duplicate of an event already accepted", eventID: eventID)
    }

    package static func rejected(
        _ status: Int, _ outcome: RelayMetrics.Outcome, _ reason: String, eventID: String? = nil
    )
        -> IngressOutcome
    {
        IngressOutcome(status: status, outcome: outcome, reason: reason, eventID: eventID)
    }

    /// The response body: `{"ok":…,"reason":…}` plus `duplicate`, `event_id`, `sinks` when known.
    package var jsonBody: String {
        var out = ""
        out.reserveCapacity(128)
        out += isSuccess ? "{\"ok\":true" : "{\"ok\":false"
        if outcome == .duplicate { out += ",\"duplicate\":true" }
        out += ",\"reason\":"
        JSONValue.writeEscaped(reason, to: &out)
        if let eventID {
            out += ",\"event_id\":"
            JSONValue.writeEscaped(eventID, to: &out)
        }
        if let sinks {
            out += ",\"sinks\":"
            out += String(sinks)
        }
        out += "}"
        return out
    }
}
