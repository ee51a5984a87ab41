/// What a ``DeadLetterLog`` keeps in memory about its file: 32 bytes per letter and one small
/// table entry per event, never a body. Letters are read back from the file only when asked for.
///
/// Letters of one event (same dedupe key) form a group, newest last in file order; each letter
/// links to the previous one of its group. An event is live (listed, replayable) when its newest
/// letter has no replay mark. Not thread-safe: the log's lock guards it.
struct DeadLetterIndex {
    struct Letter {
        /// Offset of the letter's frame in the file.
        var offset: UInt64
        var sequence: UInt64
        var deadAtMillis: Int64
        /// The previous letter of the same event, or -1.
        var previous: Int32
        /// Payload length in the low 31 bits; the high bit says "replay mark seen".
        var lengthAndMark: UInt32

        var length: Int { Int(lengthAndMark & 0x7FFF_FFFF) }
        var isMarked: Bool { lengthAndMark & 0x8000_0000 != 0 }
        var id: DeadLetter.ID { DeadLetter.ID(sequence: sequence, deadAtMillis: deadAtMillis) }
    }

    /// A dedupe key's fingerprint: 128 bits of two keyed hashes (`Hasher` is seeded per process),
    /// so that no two events' letters are taken for one another.
    struct KeyPrint: Hashable {
        var first: Int
        var second: Int

        init(_ key: some Collection<UInt8>) {
            var one = Hasher()
            var two = Hasher()
            one.combine(0x6D6F_6461 as UInt32)
            two.combine(0x7265_6C61 as UInt32)
            Array(key).withUnsafeBytes { bytes in
                one.combine(bytes: bytes)
                two.combine(bytes: bytes)
            }
            first = one.finalize()
            second = two.finalize()
        }
    }

    private(set) var letters: ContiguousArray<Letter> = []
    /// The newest letter of each event.
    private(set) var newest: [KeyPrint: Int32] = [:]
    /// Events whose newest letter is not marked.
    private(set) var liveCount = 0

    /// Adds a letter read from (or just written to) the file at `offset`.
    mutating func add(id: DeadLetter.ID, key: some Collection<UInt8>, offset: UInt64, length: Int) {
        let print = KeyPrint(key)
        let previous = newest[print]
        if previous.map({ letters[Int($0)].isMarked }) ?? true { liveCount += 1 }
        letters.append(
            Letter(
                offset: offset, sequence: id.sequence, deadAtMillis: id.deadAtMillis, previous: previous ?? -1,
                lengthAndMark: UInt32(clamping: length) & 0x7FFF_FFFF))
        newest[print] = Int32(letters.count - 1)
    }

    /// Marks the letters of `key` whose ids are in `ids`; returns those that were not marked yet.
    mutating func mark(key: some Collection<UInt8>, ids: Set<DeadLetter.ID>) -> [DeadLetter.ID] {
        guard let top = newest[KeyPrint(key)] else { return [] }
        var marked: [DeadLetter.ID] = []
        var index = top
        while index >= 0 {
            let letter = letters[Int(index)]
            if !letter.isMarked, ids.contains(letter.id) {
                letters[Int(index)].lengthAndMark |= 0x8000_0000
                marked.append(letter.id)
                if index == top { liveCount -= 1 }
            }
            index = letter.previous
        }
        return marked
    }

    /// The letters of `key` whose ids are in `ids` and that are not marked yet.
    func unmarked(key: some Collection<UInt8>, among ids: Set<DeadLetter.ID>) -> [DeadLetter.ID] {
        guard let top = newest[KeyPrint(key)] else { return [] }
        return group(top).map { letters[Int($0)] }.filter { !$0.isMarked && ids.contains($0.id) }.map(\.id)
    }

    /// Applies marks found while loading (they follow their letters in the file).
    mutating func applyMarks(_ marks: Set<DeadLetter.ID>) {
        guard !marks.isEmpty else { return }
        for index in letters.indices where marks.contains(letters[index].id) {
            letters[index].lengthAndMark |= 0x8000_0000
        }
        liveCount = newest.values.reduce(0) { $0 + (letters[Int($1)].isMarked ? 0 : 1) }
    }

    /// The newest letter of every live event dead within the bounds, newest death first.
    func live(sinceMillis: Int64?, untilMillis: Int64?) -> [Int32] {
        var out: [Int32] = []
        for index in newest.values {
            let letter = letters[Int(index)]
            guard !letter.isMarked else { continue }
            if let sinceMillis, letter.deadAtMillis < sinceMillis { continue }
            if let untilMillis, letter.deadAtMillis > untilMillis { continue }
            out.append(index)
        }
        out.sort { (letters[Int($0)].deadAtMillis, $0) > (letters[Int($1)].deadAtMillis, $1) }
        return out
    }

    /// The newest letter of `key`'s event, if it is live.
    func live(key: some Collection<UInt8>) -> Int32? {
        guard let index = newest[KeyPrint(key)], !letters[Int(index)].isMarked else { return nil }
        return index
    }

    /// The letters of the event whose newest letter is `index`, oldest first.
    func group(_ index: Int32) -> [Int32] {
        var chain: [Int32] = []
        var current = index
        while current >= 0 {
            chain.append(current)
            current = letters[Int(current)].previous
        }
        return chain.reversed()
    }

    /// About how many bytes a compaction would keep: every letter of a live event, and a mark
    /// (estimated) for each of those letters that is marked.
    func keptBytes() -> Int {
        var total = 0
        for index in newest.values where !letters[Int(index)].isMarked {
            for member in group(index) {
                total += SpoolFormat.frameHeaderSize + letters[Int(member)].length
                if letters[Int(member)].isMarked { total += SpoolFormat.frameHeaderSize + 29 + 64 }
            }
        }
        return total
    }
}
