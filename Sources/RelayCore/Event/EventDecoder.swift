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

    /// The top-level members the envelope needs when no route matches on other fields. Each may
    /// appear only once: downstream parsers disagree on which of two copies wins.
    package static let envelopeKeys: Set<String> = ["id", "type", "event", "job_id"]

    /// Longest event id, job id or event type accepted, in UTF-8 bytes.
    package static let maximumEnvelopeValueBytes = 256

    /// Decodes `body`: JSON parse, then the current shape (`id` + `type`), then the legacy shape
    /// (`event` + `job_id`). With `fullDocument: false` the whole body is still validated, but
    /// ``Event/json`` holds only the envelope members (enough for routing by type).
    package static func decode(_ body: UnsafeRawBufferPointer, fullDocument: Bool = true) throws(Failure) -> Event {
        let json: JSONValue
        do {
            json =
                fullDocument
                ? try JSONParser.parse(body, unique: envelopeKeys)
                : try JSONParser.parseTopLevel(body, keys: envelopeKeys, unique: envelopeKeys)
        } catch {
            if case .duplicateMember(let name) = error.kind {
                throw Failure(
                    code: .unrecognisedEnvelope, message: "the top-level member '\(name)' appears more than once")
            }
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
            try checkEnvelopeValue(id, member: "id")
            guard let type = json["type"]?.stringValue, !type.isEmpty else {
                throw Failure(code: .unrecognisedEnvelope, message: "event \(id) has no 'type'")
            }
            try checkEnvelopeValue(type, member: "type")
            return Event(shape: .current, id: id, type: type, dedupeKey: id, json: json)
        }
        if let type = json["event"]?.stringValue {
            guard !type.isEmpty else {
                throw Failure(code: .unrecognisedEnvelope, message: "legacy event has an empty 'event'")
            }
            try checkEnvelopeValue(type, member: "event")
            guard let jobID = json["job_id"]?.stringValue, !jobID.isEmpty else {
                throw Failure(code: .unrecognisedEnvelope, message: "no event id: legacy event has no 'job_id'")
            }
            try checkEnvelopeValue(jobID, member: "job_id")
            return Event(shape: .legacy, id: jobID, type: type, dedupeKey: "job:\(jobID):\(type)", json: json)
        }
        throw Failure(
            code: .unrecognisedEnvelope,
            message: "no event id: expected 'id' (current shape) or 'event' and 'job_id' (legacy shape)"
        )
    }

    /// Ids and types end up in HTTP headers (`X-Moda-Event-Id`, `webhook-id`), log lines and spool
    /// keys, so they must be short and printable: at most ``maximumEnvelopeValueBytes`` bytes, no
    /// control characters (C0, DEL, C1), and no U+FFFD, which is also what a lone surrogate escape
    /// decodes to (two ids differing only there would otherwise collide in dedupe).
    static func checkEnvelopeValue(_ value: String, member: String) throws(Failure) {
        guard value.utf8.count <= maximumEnvelopeValueBytes else {
            throw Failure(
                code: .unrecognisedEnvelope,
                message: "'\(member)' is \(value.utf8.count) bytes; at most \(maximumEnvelopeValueBytes) are accepted")
        }
        for scalar in value.unicodeScalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                throw Failure(code: .unrecognisedEnvelope, message: "'\(member)' contains a control character")
            }
            if scalar.value == 0xFFFD {
                throw Failure(
                    code: .unrecognisedEnvelope,
                    message: "'\(member)' contains U+FFFD or a lone surrogate escape")
            }
        }
    }
}
