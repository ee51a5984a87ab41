/// One event in a sink's spool.
///
/// Payload layout (little-endian): `u8 kind (1 = event)`, `u64 sequence`,
/// `i64 accepted-at (ms since epoch)`, `u16 key length`, key (UTF-8), `u16 type length`,
/// type (UTF-8), `u32 body length`, body (the raw request body, byte for byte).
package struct SpoolRecord: Sendable, Equatable {
    package static let kindEvent: UInt8 = 1

    package var sequence: UInt64
    package var acceptedAtMillis: Int64
    /// The event's dedupe key (`evt_…` or `job:<id>:<event>`).
    package var dedupeKey: String
    package var eventType: String
    package var body: [UInt8]

    package init(sequence: UInt64, acceptedAtMillis: Int64, dedupeKey: String, eventType: String, body: [UInt8]) {
        self.sequence = sequence
        self.acceptedAtMillis = acceptedAtMillis
        self.dedupeKey = dedupeKey
        self.eventType = eventType
        self.body = body
    }

    /// The encoded payload.
    package func encoded() -> [UInt8] {
        let key = Array(dedupeKey.utf8.prefix(Int(UInt16.max)))
        let type = Array(eventType.utf8.prefix(Int(UInt16.max)))
        var out: [UInt8] = []
        out.reserveCapacity(1 + 8 + 8 + 2 + key.count + 2 + type.count + 4 + body.count)
        out.append(Self.kindEvent)
        ByteWriter.appendUInt64(sequence, to: &out)
        ByteWriter.appendUInt64(UInt64(bitPattern: acceptedAtMillis), to: &out)
        ByteWriter.appendUInt16(UInt16(key.count), to: &out)
        out.append(contentsOf: key)
        ByteWriter.appendUInt16(UInt16(type.count), to: &out)
        out.append(contentsOf: type)
        ByteWriter.appendUInt32(UInt32(body.count), to: &out)
        out.append(contentsOf: body)
        return out
    }

    /// Decodes a payload, or nil if it is not a well-formed record.
    package init?(decoding payload: ArraySlice<UInt8>) {
        guard let layout = Self.layout(payload) else { return nil }
        self.sequence = ByteReader.uint64(payload, at: payload.startIndex + 1)
        self.acceptedAtMillis = Int64(bitPattern: ByteReader.uint64(payload, at: payload.startIndex + 9))
        self.dedupeKey = String(decoding: payload[layout.key], as: UTF8.self)
        self.eventType = String(decoding: payload[layout.type], as: UTF8.self)
        self.body = Array(payload[layout.body])
    }

    /// Whether `payload` is a well-formed record (without building it).
    package static func isWellFormed(_ payload: ArraySlice<UInt8>) -> Bool { layout(payload) != nil }

    /// Where the variable-length fields of a record payload are, or nil if it is malformed.
    private static func layout(_ payload: ArraySlice<UInt8>) -> (key: Range<Int>, type: Range<Int>, body: Range<Int>)? {
        var cursor = payload.startIndex
        let end = payload.endIndex
        func take(_ count: Int) -> Range<Int>? {
            guard end - cursor >= count else { return nil }
            defer { cursor += count }
            return cursor..<cursor + count
        }
        guard let kind = take(1), payload[kind.lowerBound] == Self.kindEvent,
            take(8) != nil, take(8) != nil, let keyLength = take(2),
            let key = take(Int(ByteReader.uint16(payload, at: keyLength.lowerBound))),
            let typeLength = take(2),
            let type = take(Int(ByteReader.uint16(payload, at: typeLength.lowerBound))),
            let bodyLength = take(4),
            let body = take(Int(ByteReader.uint32(payload, at: bodyLength.lowerBound))),
            cursor == end
        else { return nil }
        return (key, type, body)
    }
}
