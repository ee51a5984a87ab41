/// A record in a sink's dead-letter log saying one dead letter was re-enqueued for delivery.
///
/// Dead letters are never rewritten: replaying one appends a mark that names it by spool
/// sequence and death time (together unique even if a spool directory is recreated). A letter
/// with a mark is history; if the replayed event dies again, its new letter is live and
/// carries the earlier ones as its history.
///
/// Payload layout (little-endian): `u8 kind (3)`, `u64 sequence`, `i64 dead-at ms`,
/// `i64 replayed-at ms`, then the dedupe key as a length-prefixed (`u32`) UTF-8 string.
package struct ReplayMark: Sendable, Equatable {
    package static let kind: UInt8 = 3

    package var letter: DeadLetter.ID
    package var dedupeKey: String
    package var replayedAtMillis: Int64

    package init(letter: DeadLetter.ID, dedupeKey: String, replayedAtMillis: Int64) {
        self.letter = letter
        self.dedupeKey = dedupeKey
        self.replayedAtMillis = replayedAtMillis
    }

    package func encoded() -> [UInt8] {
        var out: [UInt8] = [Self.kind]
        ByteWriter.appendUInt64(letter.sequence, to: &out)
        ByteWriter.appendUInt64(UInt64(bitPattern: letter.deadAtMillis), to: &out)
        ByteWriter.appendUInt64(UInt64(bitPattern: replayedAtMillis), to: &out)
        let key = Array(dedupeKey.utf8)
        ByteWriter.appendUInt32(UInt32(key.count), to: &out)
        out += key
        return out
    }

    package init?(decoding payload: ArraySlice<UInt8>) {
        let start = payload.startIndex
        guard payload.count >= 29, payload[start] == Self.kind else { return nil }
        let length = Int(ByteReader.uint32(payload, at: start + 25))
        guard payload.count == 29 + length else { return nil }
        self.init(
            letter: DeadLetter.ID(
                sequence: ByteReader.uint64(payload, at: start + 1),
                deadAtMillis: Int64(bitPattern: ByteReader.uint64(payload, at: start + 9))),
            dedupeKey: String(decoding: payload[(start + 29)...], as: UTF8.self),
            replayedAtMillis: Int64(bitPattern: ByteReader.uint64(payload, at: start + 17)))
    }
}
