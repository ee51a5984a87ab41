/// What a ``DeadLetterLog`` keeps in memory about its file: 40 bytes per letter and a 4-byte
/// table slot (at most half full) per event, never a body. Letters are read back from the file
/// only when asked for.
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
        /// The fingerprint of the letter's dedupe key.
        var fingerprint: UInt64
        /// The previous letter of the same event, or -1.
        var previous: Int32
        /// Payload length in the low 31 bits; the high bit says "replay mark seen".
        var lengthAndMark: UInt32

        var length: Int { Int(lengthAndMark & 0x7FFF_FFFF) }
        var isMarked: Bool { lengthAndMark & 0x8000_0000 != 0 }
        var id: DeadLetter.ID { DeadLetter.ID(sequence: sequence, deadAtMillis: deadAtMillis) }
    }

    /// A dedupe key's 64-bit fingerprint: a keyed hash (`Hasher` is seeded per process), so no
    /// one can make two events' keys collide on purpose; by chance, the odds are about n²/2⁶⁵.
    static func fingerprint(_ key: some Collection<UInt8>) -> UInt64 {
        var hasher = Hasher()
        Array(key).withUnsafeBytes { hasher.combine(bytes: $0) }
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    private(set) var letters: ContiguousArray<Letter> = []
    /// The newest letter of each event, by fingerprint.
    private var newest = NewestLetters()
    /// Events whose newest letter is not marked.
    private(set) var liveCount = 0

    /// Adds a letter read from (or just written to) the file at `offset`.
    mutating func add(id: DeadLetter.ID, key: some Collection<UInt8>, offset: UInt64, length: Int) {
        let print = Self.fingerprint(key)
        let previous = newest.find(print, in: letters)
        if previous.map({ letters[Int($0)].isMarked }) ?? true { liveCount += 1 }
        letters.append(
            Letter(
                offset: offset, sequence: id.sequence, deadAtMillis: id.deadAtMillis, fingerprint: print,
                previous: previous ?? -1, lengthAndMark: UInt32(clamping: length) & 0x7FFF_FFFF))
        newest.set(Int32(letters.count - 1), in: letters)
    }

    /// Marks the letters of `key` whose ids are in `ids`; returns those that were not marked yet.
    mutating func mark(key: some Collection<UInt8>, ids: Set<DeadLetter.ID>) -> [DeadLetter.ID] {
        guard let top = newest.find(Self.fingerprint(key), in: letters) else { return [] }
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
        guard let top = newest.find(Self.fingerprint(key), in: letters) else { return [] }
        return group(top).map { letters[Int($0)] }.filter { !$0.isMarked && ids.contains($0.id) }.map(\.id)
    }

    /// Applies marks found while loading (they follow their letters in the file).
    mutating func applyMarks(_ marks: Set<DeadLetter.ID>) {
        guard !marks.isEmpty else { return }
        for index in letters.indices where marks.contains(letters[index].id) {
            letters[index].lengthAndMark |= 0x8000_0000
        }
        liveCount = 0
        newest.forEach { if !letters[Int($0)].isMarked { liveCount += 1 } }
    }

    /// The newest letter of every live event dead within the bounds, newest death first.
    ///
    /// Letters are appended as events die, so file order is death order except where the wall
    /// clock stepped back: walking the file backwards yields nearly sorted output, and the sort
    /// (adaptive: one pass over ordered runs) only fixes what is out of place. Sorting the table's
    /// hash order instead cost 12 ms at 100k letters, on every page the console asks for.
    func live(sinceMillis: Int64?, untilMillis: Int64?) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(liveCount)
        for index in letters.indices.reversed() {
            let letter = letters[index]
            guard !letter.isMarked, Self.within(letter, sinceMillis, untilMillis),
                newest.find(letter.fingerprint, in: letters) == Int32(index)
            else { continue }
            out.append(Int32(index))
        }
        sortNewestFirst(&out)
        return out
    }

    /// Those of `indices` (newest letters of live events) dead within the bounds, newest death first.
    func newestFirst(_ indices: some Sequence<Int32>, sinceMillis: Int64?, untilMillis: Int64?) -> [Int32] {
        var out = indices.filter { Self.within(letters[Int($0)], sinceMillis, untilMillis) }
        sortNewestFirst(&out)
        return out
    }

    private static func within(_ letter: Letter, _ sinceMillis: Int64?, _ untilMillis: Int64?) -> Bool {
        if let sinceMillis, letter.deadAtMillis < sinceMillis { return false }
        if let untilMillis, letter.deadAtMillis > untilMillis { return false }
        return true
    }

    private func sortNewestFirst(_ indices: inout [Int32]) {
        indices.sort { (letters[Int($0)].deadAtMillis, $0) > (letters[Int($1)].deadAtMillis, $1) }
    }

    /// The newest letter of `key`'s event, if it is live.
    func live(key: some Collection<UInt8>) -> Int32? {
        guard let index = newest.find(Self.fingerprint(key), in: letters), !letters[Int(index)].isMarked else {
            return nil
        }
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
        newest.forEach { index in
            guard !letters[Int(index)].isMarked else { return }
            for member in group(index) {
                total += SpoolFormat.frameHeaderSize + letters[Int(member)].length
                if letters[Int(member)].isMarked { total += SpoolFormat.frameHeaderSize + 29 + 64 }
            }
        }
        return total
    }
}
