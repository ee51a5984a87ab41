/// One event in a sink's spool.
///
/// Payload layout (little-endian): `u8 kind`, `u64 sequence`, `i64 accepted-at (ms since
/// epoch)`, `u16 key length`, key (UTF-8), `u16 type length`, type (UTF-8), `u32 body length`,
/// body (the raw request body, byte for byte); kind 4 then has `u16 fan-out`, the number of
/// spools the commit appended the event to (kind 1, written before fan-out was recorded, has
/// none). Recovery uses the fan-out to tell a complete commit from one a crash interrupted.
package struct SpoolRecord: Sendable, Equatable {
    /// An event without its fan-out (older spools).
    package static let kindEvent: UInt8 = 1
    /// An event with its fan-out.
    package static let kindEventWithFanOut: UInt8 = 4

    package var sequence: UInt64
    package var acceptedAtMillis: Int64
    /// The event's dedupe key (`evt_…` or `job:<id>:<event>`).
    package var dedupeKey: String
    package var eventType: String
    package var body: [UInt8]
    /// How many spools the commit that wrote this record appended the event to; 0: unknown;
    /// ``replayFanOut``: a replay of a dead letter wrote it.
    package var fanOut: Int

    /// The fan-out of a record a replay wrote: delivered like any other, but no evidence that its
    /// event was accepted (its commit may never have completed), so recovery never takes its key
    /// as seen from it.
    package static let replayFanOut = Int(UInt16.max)

    package init(
        sequence: UInt64, acceptedAtMillis: Int64, dedupeKey: String, eventType: String, body: [UInt8],
        fanOut: Int = 0
    ) {
        self.sequence = sequence
        self.acceptedAtMillis = acceptedAtMillis
        self.dedupeKey = dedupeKey
        self.eventType = eventType
        self.body = body
        self.fanOut = fanOut
    }

    /// The encoded payload.
    package func encoded() -> [UInt8] {
        let key = Array(dedupeKey.utf8.prefix(Int(UInt16.max)))
        let type = Array(eventType.utf8.prefix(Int(UInt16.max)))
        var out: [UInt8] = []
        out.reserveCapacity(1 + 8 + 8 + 2 + key.count + 2 + type.count + 4 + body.count + 2)
        out.append(fanOut > 0 ? Self.kindEventWithFanOut : Self.kindEvent)
        ByteWriter.appendUInt64(sequence, to: &out)
        ByteWriter.appendUInt64(UInt64(bitPattern: acceptedAtMillis), to: &out)
        ByteWriter.appendUInt16(UInt16(key.count), to: &out)
        out.append(contentsOf: key)
        ByteWriter.appendUInt16(UInt16(type.count), to: &out)
        out.append(contentsOf: type)
        ByteWriter.appendUInt32(UInt32(body.count), to: &out)
        out.append(contentsOf: body)
        if fanOut > 0 { ByteWriter.appendUInt16(UInt16(clamping: fanOut), to: &out) }
        return out
    }

    /// Where the sequence sits in an encoded payload (after the kind byte): one encoding serves
    /// every spool a commit appends the event to, each copy numbered in place.
    package static let sequenceOffset = 1

    /// Decodes a payload, or nil if it is not a well-formed record.
    package init?(decoding payload: ArraySlice<UInt8>) {
        guard let layout = Self.layout(payload) else { return nil }
        self.sequence = ByteReader.uint64(payload, at: payload.startIndex + 1)
        self.acceptedAtMillis = Int64(bitPattern: ByteReader.uint64(payload, at: payload.startIndex + 9))
        self.dedupeKey = String(decoding: payload[layout.key], as: UTF8.self)
        self.eventType = String(decoding: payload[layout.type], as: UTF8.self)
        self.body = Array(payload[layout.body])
        self.fanOut = layout.fanOut.map { Int(ByteReader.uint16(payload, at: $0.lowerBound)) } ?? 0
    }

    /// Whether `payload` is a well-formed record (without building it).
    package static func isWellFormed(_ payload: ArraySlice<UInt8>) -> Bool { layout(payload) != nil }

    /// Where the variable-length fields of a record payload are, or nil if it is malformed.
    private static func layout(_ payload: ArraySlice<UInt8>) -> (
        key: Range<Int>, type: Range<Int>, body: Range<Int>, fanOut: Range<Int>?
    )? {
        var cursor = payload.startIndex
        let end = payload.endIndex
        func take(_ count: Int) -> Range<Int>? {
            guard end - cursor >= count else { return nil }
            defer { cursor += count }
            return cursor..<cursor + count
        }
        guard let kind = take(1),
            payload[kind.lowerBound] == Self.kindEvent || payload[kind.lowerBound] == Self.kindEventWithFanOut,
            take(8) != nil, take(8) != nil, let keyLength = take(2),
            let key = take(Int(ByteReader.uint16(payload, at: keyLength.lowerBound))),
            let typeLength = take(2),
            let type = take(Int(ByteReader.uint16(payload, at: typeLength.lowerBound))),
            let bodyLength = take(4),
            let body = take(Int(ByteReader.uint32(payload, at: bodyLength.lowerBound)))
        else { return nil }
        let fanOut = payload[kind.lowerBound] == Self.kindEventWithFanOut ? take(2) : nil
        guard payload[kind.lowerBound] == Self.kindEvent || fanOut != nil, cursor == end else { return nil }
        return (key, type, body, fanOut)
    }
}
