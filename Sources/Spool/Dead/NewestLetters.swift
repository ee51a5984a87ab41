/// The newest letter of each event: an open-addressing table of letter indices (4 bytes a
/// slot, at most half full), keyed by the fingerprints the letters hold.
struct NewestLetters {
    private var slots = [Int32](repeating: -1, count: 1024)
    private var count = 0

    /// The newest letter whose fingerprint is `print`.
    func find(_ print: UInt64, in letters: ContiguousArray<DeadLetterIndex.Letter>) -> Int32? {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: print) & mask
        while slots[slot] >= 0 {
            if letters[Int(slots[slot])].fingerprint == print { return slots[slot] }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Makes `index` the newest letter of its fingerprint.
    mutating func set(_ index: Int32, in letters: ContiguousArray<DeadLetterIndex.Letter>) {
        if (count + 1) * 2 > slots.count { grow(letters) }
        let print = letters[Int(index)].fingerprint
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: print) & mask
        while slots[slot] >= 0 {
            if letters[Int(slots[slot])].fingerprint == print {
                slots[slot] = index
                return
            }
            slot = (slot + 1) & mask
        }
        slots[slot] = index
        count += 1
    }

    /// Calls `body` with every event's newest letter.
    func forEach(_ body: (Int32) -> Void) {
        for index in slots where index >= 0 { body(index) }
    }

    private mutating func grow(_ letters: ContiguousArray<DeadLetterIndex.Letter>) {
        let old = slots
        slots = [Int32](repeating: -1, count: old.count * 2)
        let mask = slots.count - 1
        for index in old where index >= 0 {
            var slot = Int(truncatingIfNeeded: letters[Int(index)].fingerprint) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = index
        }
    }
}
