/// The frame kinds of the spool's files (see ``FrameKind``). Plausibility checks read only the
/// payload's first bytes, so resynchronising over garbage rarely computes a CRC.
extension FrameKind {
    /// Times every record carries: from 1970 to 2200, in milliseconds.
    static func isPlausibleTime(_ prefix: ArraySlice<UInt8>, at offset: Int) -> Bool {
        guard prefix.count >= offset + 8 else { return true }
        let millis = Int64(bitPattern: ByteReader.uint64(prefix, at: prefix.startIndex + offset))
        return (0...7_258_118_400_000).contains(millis)
    }

    /// Records of a segment whose first sequence is `first`: kind 1, a sequence at or after
    /// `first` (within 2^32 of it), a plausible acceptance time.
    package static func segment(firstSequence first: UInt64) -> FrameKind {
        FrameKind(
            name: "segment",
            plausible: { length, prefix in
                guard length >= 25, prefix.count >= 17,
                    prefix.first == SpoolRecord.kindEvent || prefix.first == SpoolRecord.kindEventWithFanOut
                else { return false }
                let sequence = ByteReader.uint64(prefix, at: prefix.startIndex + 1)
                return sequence >= first && sequence - first < 1 << 32 && isPlausibleTime(prefix, at: 9)
            },
            accept: { SpoolRecord.isWellFormed($0) })
    }

    /// Seen-log entries: exactly 24 bytes with a plausible time.
    package static let seenEntry = FrameKind(
        name: "seen log", plausible: { length, prefix in length == 24 && isPlausibleTime(prefix, at: 16) },
        accept: { SeenEntry(decoding: $0) != nil })

    /// Dead letters (kind 2) and replay marks (kind 3).
    package static let deadLetters = FrameKind(
        name: "dead letters",
        plausible: { length, prefix in
            switch prefix.first {
            case DeadLetter.kind:
                return length >= 61 && isPlausibleTime(prefix, at: 9) && isPlausibleTime(prefix, at: 17)
            case ReplayMark.kind:
                guard prefix.count >= 29 else { return false }
                let keyLength = Int(ByteReader.uint32(prefix, at: prefix.startIndex + 25))
                return length == 29 + keyLength && isPlausibleTime(prefix, at: 9) && isPlausibleTime(prefix, at: 17)
            default:
                return false
            }
        },
        accept: { payload in
            switch payload.first {
            case DeadLetter.kind: return DeadLetter.peek(payload) != nil
            case ReplayMark.kind: return ReplayMark(decoding: payload) != nil
            default: return false
            }
        })
}
