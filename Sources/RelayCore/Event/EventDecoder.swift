/// Turns a verified request body into an ``Event``.
package enum EventDecoder {
    /// Why a body is not an event. `code` is stable and becomes a metric label.
    package struct Failure: Error, Equatable, CustomStringConvertible {
        package enum Code: String, Sendable {
            case invalidJSON = "invalid_json"
            case unrecognisedEnvelope = "unrecognised_envelope"
        }
        package var code: Code
        package var message: String
        package var description: String { message }
    }

    /// The top-level members the envelope needs when no route matches on other fields.
    package static let envelopeKeys: Set<String> = ["id", "type", "event", "job_id"]

    /// Decodes `body`: JSON parse, then the current shape (`id` + `type`), then the legacy shape
    /// (`event` + `job_id`). With `fullDocument: false` the whole body is still validated, but
    /// ``Event/json`` holds only the envelope members (enough for routing by type).
    package static func decode(_ body: UnsafeRawBufferPointer, fullDocument: Bool = true) throws(Failure) -> Event {
        let json: JSONValue
        do {
            json = fullDocument ? try JSONParser.parse(body) : try JSONParser.parseTopLevel(body, keys: envelopeKeys)
        } catch {
            throw Failure(code: .invalidJSON, message: "body is not valid JSON: \(error)")
        }
        return try decode(json: json)
    }

    /// Decodes an already parsed document.
    package static func decode(json: JSONValue) throws(Failure) -> Event {
        guard case .object = json else {
            throw Failure(code: .unrecognisedEnvelope, message: "body is not a JSON object")
        }
        if let id = json["id"]?.stringValue {
            guard !id.isEmpty else { throw Failure(code: .unrecognisedEnvelope, message: "no event id: 'id' is empty") }
            guard let type = json["type"]?.stringValue, !type.isEmpty else {
                throw Failure(code: .unrecognisedEnvelope, message: "event \(id) has no 'type'")
            }
            return Event(shape: .current, id: id, type: type, dedupeKey: id, json: json)
        }
        if let type = json["event"]?.stringValue {
            guard !type.isEmpty else {
                throw Failure(code: .unrecognisedEnvelope, message: "legacy event has an empty 'event'")
            }
            guard let jobID = json["job_id"]?.stringValue, !jobID.isEmpty else {
                throw Failure(code: .unrecognisedEnvelope, message: "no event id: legacy event has no 'job_id'")
            }
            return Event(shape: .legacy, id: jobID, type: type, dedupeKey: "job:\(jobID):\(type)", json: json)
        }
        throw Failure(
            code: .unrecognisedEnvelope,
            message: "no event id: expected 'id' (current shape) or 'event' and 'job_id' (legacy shape)"
        )
    }
}
