/// One row of Moda's delivery log (`GET /v1/webhook_deliveries`): one delivery of one event to
/// one URL, with its last answer. A row carries no event id, no payload and no status; status is
/// only a filter of the listing.
package struct DeliveryRow: Sendable, Equatable {
    /// `whd_…`.
    package var id: String
    package var eventType: String
    package var targetURL: String
    package var attempts: Int
    /// When Moda created the delivery, in milliseconds since the epoch.
    package var createdAtMillis: Int64
    package var lastAttemptedAtMillis: Int64?
    /// The receiver's last HTTP status; nil when it never answered.
    package var responseStatusCode: Int?
    package var agentJobID: String?
    /// For a redelivery, the `whd_…` it replays.
    package var replayedFromID: String?

    package init(
        id: String, eventType: String, targetURL: String, attempts: Int = 4, createdAtMillis: Int64,
        lastAttemptedAtMillis: Int64? = nil, responseStatusCode: Int? = nil, agentJobID: String? = nil,
        replayedFromID: String? = nil
    ) {
        self.id = id
        self.eventType = eventType
        self.targetURL = targetURL
        self.attempts = attempts
        self.createdAtMillis = createdAtMillis
        self.lastAttemptedAtMillis = lastAttemptedAtMillis
        self.responseStatusCode = responseStatusCode
        self.agentJobID = agentJobID
        self.replayedFromID = replayedFromID
    }

    /// Reads a row from its JSON object. Every field is checked: a row this cannot read is an
    /// error naming the field, never a guess.
    init(json: JSONValue) throws(DeliveryLogError) {
        guard case .object = json else { throw .malformed("a delivery row is not an object") }
        func string(_ key: String) throws(DeliveryLogError) -> String {
            guard let value = json[key]?.stringValue, !value.isEmpty, value.utf8.count <= 4096 else {
                throw .malformed("a delivery row has no valid \(key)")
            }
            return value
        }
        func optionalString(_ key: String) throws(DeliveryLogError) -> String? {
            switch json[key] {
            case nil, .null?: return nil
            case .string(let value)? where value.utf8.count <= 4096: return value
            default: throw .malformed("a delivery row's \(key) is not a string")
            }
        }
        func instant(_ key: String) throws(DeliveryLogError) -> Int64? {
            guard let text = try optionalString(key) else { return nil }
            guard let millis = Timestamp.parse(text) else {
                throw .malformed("a delivery row's \(key) is not an RFC 3339 time")
            }
            return millis
        }
        func integer(_ key: String) throws(DeliveryLogError) -> Int? {
            switch json[key] {
            case nil, .null?: return nil
            case .number(let text)?:
                // Digits only, at most 9: no overflow, and no status or count is larger.
                guard !text.isEmpty, text.utf8.count <= 9, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                    let value = Int(text)
                else { throw .malformed("a delivery row's \(key) is not a small whole number") }
                return value
            default: throw .malformed("a delivery row's \(key) is not a number")
            }
        }
        self.id = try string("id")
        self.eventType = try string("event_type")
        self.targetURL = try string("target_url")
        self.attempts = try integer("attempts") ?? 0
        guard let created = try instant("created_at") else { throw .malformed("a delivery row has no created_at") }
        self.createdAtMillis = created
        self.lastAttemptedAtMillis = try instant("last_attempted_at")
        self.responseStatusCode = try integer("response_status_code")
        self.agentJobID = try optionalString("agent_job_id")
        self.replayedFromID = try optionalString("replayed_from_id")
    }
}
