/// An event a sink gave up on, with everything needed to understand and replay it.
///
/// Payload layout (little-endian): `u8 kind (2)`, `u64 sequence`, `i64 accepted-at ms`,
/// `i64 dead-at ms`, `u32 attempts`, `i32 last status (-1: none)`, then length-prefixed
/// (`u32`) UTF-8 strings: sink, dedupe key, event type, reason, last error, response excerpt
/// (first 2 KB), and the raw event body.
package struct DeadLetter: Sendable, Equatable {
    package static let kind: UInt8 = 2

    /// Identifies one dead letter within its sink's log.
    package struct ID: Hashable, Sendable {
        package var sequence: UInt64
        package var deadAtMillis: Int64

        package init(sequence: UInt64, deadAtMillis: Int64) {
            self.sequence = sequence
            self.deadAtMillis = deadAtMillis
        }
    }

    package var sink: String
    package var sequence: UInt64
    package var dedupeKey: String
    package var eventType: String
    package var acceptedAtMillis: Int64
    package var deadAtMillis: Int64
    package var attempts: Int
    /// The last HTTP status, if the last attempt got an answer.
    package var lastStatus: Int?
    /// The last transport error, if the last attempt got no answer.
    package var lastError: String
    /// The first 2 KB of the last response body.
    package var responseExcerpt: String
    /// Why the event is dead: permanent failure, retries exhausted, max age, endpoint gone.
    package var reason: String
    /// The event exactly as Moda sent it (empty when read without it: see ``bodyBytes``).
    package var body: [UInt8]
    /// The size of the stored body, also when the letter was read without it.
    package var bodyBytes: Int

    package init(
        sink: String, sequence: UInt64, dedupeKey: String, eventType: String, acceptedAtMillis: Int64,
        deadAtMillis: Int64, attempts: Int, lastStatus: Int?, lastError: String, responseExcerpt: String,
        reason: String, body: [UInt8]
    ) {
        self.sink = sink
        self.sequence = sequence
        self.dedupeKey = dedupeKey
        self.eventType = eventType
        self.acceptedAtMillis = acceptedAtMillis
        self.deadAtMillis = deadAtMillis
        self.attempts = attempts
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.responseExcerpt = String(decoding: Array(responseExcerpt.utf8.prefix(2048)), as: UTF8.self)
        self.reason = reason
        self.body = body
        self.bodyBytes = body.count
    }

    package var id: ID { ID(sequence: sequence, deadAtMillis: deadAtMillis) }

    package func encoded() -> [UInt8] {
        var out: [UInt8] = [Self.kind]
        ByteWriter.appendUInt64(sequence, to: &out)
        ByteWriter.appendUInt64(UInt64(bitPattern: acceptedAtMillis), to: &out)
        ByteWriter.appendUInt64(UInt64(bitPattern: deadAtMillis), to: &out)
        ByteWriter.appendUInt32(UInt32(clamping: attempts), to: &out)
        ByteWriter.appendUInt32(UInt32(bitPattern: Int32(clamping: lastStatus ?? -1)), to: &out)
        for field in [sink, dedupeKey, eventType, reason, lastError, responseExcerpt] {
            let bytes = Array(field.utf8)
            ByteWriter.appendUInt32(UInt32(bytes.count), to: &out)
            out += bytes
        }
        ByteWriter.appendUInt32(UInt32(body.count), to: &out)
        out += body
        return out
    }

    /// A well-formed letter's id and dedupe key (UTF-8), read without building the letter; nil
    /// if `payload` is not a well-formed letter.
    package static func peek(_ payload: ArraySlice<UInt8>) -> (id: ID, key: ArraySlice<UInt8>)? {
        let start = payload.startIndex
        guard payload.count >= 61, payload[start] == kind else { return nil }
        var cursor = start + 33
        var key: ArraySlice<UInt8> = []
        for field in 0..<7 {
            guard payload.endIndex - cursor >= 4 else { return nil }
            let length = Int(ByteReader.uint32(payload, at: cursor))
            cursor += 4
            guard payload.endIndex - cursor >= length else { return nil }
            if field == 1 { key = payload[cursor..<cursor + length] }
            cursor += length
        }
        guard cursor == payload.endIndex else { return nil }
        let id = ID(
            sequence: ByteReader.uint64(payload, at: start + 1),
            deadAtMillis: Int64(bitPattern: ByteReader.uint64(payload, at: start + 17)))
        return (id, key)
    }

    /// Decodes a letter's fields but its body from the first bytes of its payload (`head`), whose
    /// whole length is `payloadLength`; nil if `head` does not reach the body or is malformed.
    package init?(decodingHead head: ArraySlice<UInt8>, payloadLength: Int) {
        var cursor = head.startIndex
        var fields: [ArraySlice<UInt8>] = []
        guard head.count >= 33, head[cursor] == Self.kind else { return nil }
        cursor += 33
        for _ in 0..<7 {
            guard head.endIndex - cursor >= 4 else { return nil }
            let length = Int(ByteReader.uint32(head, at: cursor))
            cursor += 4
            if fields.count == 6 {
                guard cursor - head.startIndex + length == payloadLength else { return nil }
                guard var letter = Self(decoding: head[head.startIndex..<head.startIndex + 33], strings: fields)
                else { return nil }
                letter.bodyBytes = length
                self = letter
                return
            }
            guard head.endIndex - cursor >= length else { return nil }
            fields.append(head[cursor..<cursor + length])
            cursor += length
        }
        return nil
    }

    /// The fixed fields of `fixed` (33 bytes onward from its start) with `strings`, and no body.
    private init?(decoding fixed: ArraySlice<UInt8>, strings: [ArraySlice<UInt8>]) {
        let start = fixed.startIndex
        let text = strings.map { String(decoding: $0, as: UTF8.self) }
        let lastStatus = Int32(bitPattern: ByteReader.uint32(fixed, at: start + 29))
        self.init(
            sink: text[0], sequence: ByteReader.uint64(fixed, at: start + 1), dedupeKey: text[1], eventType: text[2],
            acceptedAtMillis: Int64(bitPattern: ByteReader.uint64(fixed, at: start + 9)),
            deadAtMillis: Int64(bitPattern: ByteReader.uint64(fixed, at: start + 17)),
            attempts: Int(ByteReader.uint32(fixed, at: start + 25)),
            lastStatus: lastStatus < 0 ? nil : Int(lastStatus), lastError: text[4], responseExcerpt: text[5],
            reason: text[3], body: [])
    }

    package init?(decoding payload: ArraySlice<UInt8>) {
        var cursor = payload.startIndex
        func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, payload.endIndex - cursor >= count else { return nil }
            defer { cursor += count }
            return payload[cursor..<cursor + count]
        }
        func bytes() -> ArraySlice<UInt8>? {
            guard let length = take(4) else { return nil }
            return take(Int(ByteReader.uint32(length, at: length.startIndex)))
        }
        func string() -> String? { bytes().map { String(decoding: $0, as: UTF8.self) } }
        guard let kind = take(1), kind.first == Self.kind, let seq = take(8), let accepted = take(8),
            let dead = take(8), let attempts = take(4), let status = take(4),
            let sink = string(), let key = string(), let type = string(), let reason = string(),
            let error = string(), let excerpt = string(), let body = bytes(), cursor == payload.endIndex
        else { return nil }
        let lastStatus = Int32(bitPattern: ByteReader.uint32(status, at: status.startIndex))
        self.init(
            sink: sink, sequence: ByteReader.uint64(seq, at: seq.startIndex), dedupeKey: key, eventType: type,
            acceptedAtMillis: Int64(bitPattern: ByteReader.uint64(accepted, at: accepted.startIndex)),
            deadAtMillis: Int64(bitPattern: ByteReader.uint64(dead, at: dead.startIndex)),
            attempts: Int(ByteReader.uint32(attempts, at: attempts.startIndex)),
            lastStatus: lastStatus < 0 ? nil : Int(lastStatus), lastError: error, responseExcerpt: excerpt,
            reason: reason, body: Array(body))
    }
}
