/// Reads the letters of chosen dead events back from a dead-letter file, bounded by bytes: the
/// bodies only when asked for, and only the newest letter's (earlier deaths are history:
/// metadata only). ``DeadLetterLog`` plans what to read under its lock and reads it here,
/// outside the lock, through a window opened under it (a compaction renames a new file over the
/// path; the window still reads the old one, whose offsets the plan holds).
package enum DeadLetterReading {
    /// One letter to read: where its frame is, and whether it has a replay mark.
    struct Letter {
        var offset: UInt64
        var length: Int
        var marked: Bool
        var id: DeadLetter.ID
    }

    /// A letter's fields but its body fit in this much (the excerpt is at most 2 KB).
    package static let headBytes = 16 << 10

    /// The entries of `events` (each: its letters, oldest first), in order, until `byteBudget`
    /// bytes were read (at least one entry, whatever its size).
    static func entries(
        _ events: [[Letter]], from window: FileWindow, path: String, bodies: Bool, byteBudget: Int
    ) throws(SpoolError) -> [DeadLetterLog.Entry] {
        var out: [DeadLetterLog.Entry] = []
        var spent = 0
        for letters in events {
            var deaths: [DeadLetter] = []
            var unreplayed = Set<DeadLetter.ID>()
            var cost = 0
            for (position, letter) in letters.enumerated() {
                let withBody = bodies && position == letters.count - 1
                let (read, bytes) = try self.letter(letter, from: window, path: path, body: withBody)
                deaths.append(read)
                cost += bytes
                if !letter.marked { unreplayed.insert(letter.id) }
            }
            if !out.isEmpty, spent + cost > byteBudget { break }
            spent += cost
            let newest = deaths.removeLast()
            out.append(DeadLetterLog.Entry(letter: newest, history: deaths, unreplayed: unreplayed))
        }
        return out
    }

    /// One letter, with or without its body, and the bytes read for it.
    static func letter(_ letter: Letter, from window: FileWindow, path: String, body: Bool) throws(SpoolError) -> (
        DeadLetter, Int
    ) {
        let start = Int(letter.offset) + SpoolFormat.frameHeaderSize
        if !body, letter.length > headBytes {
            if let head = try window.bytes(start, headBytes),
                let decoded = DeadLetter(decodingHead: head, payloadLength: letter.length)
            {
                return (decoded, headBytes)
            }
        }
        guard let frame = try window.bytes(start, letter.length), var decoded = DeadLetter(decoding: frame) else {
            throw SpoolError(
                code: .corrupt, message: "dead letter at offset \(letter.offset) is unreadable", path: path)
        }
        if !body { decoded.body = [] }
        return (decoded, letter.length)
    }
}
