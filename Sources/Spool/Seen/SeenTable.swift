import RelayCore

/// The seen-set's storage: an open-addressing hash table of 16 bytes per key, for millions of
/// keys in little memory (a `Dictionary<DedupeKey, Int64>` took 24 bytes per bucket at a load of at
/// most 3/4, about 50 MB for a million keys; this takes about 20 MB).
///
/// A slot holds the key's first 96 bits and the acceptance time as whole seconds (rounded up, so
/// an entry can only expire later than its millisecond time, never earlier). Two keys that agree
/// in 96 bits of a cryptographic fingerprint are taken as one: with ten million live keys the
/// chance of any such pair is about 10⁻¹⁵. Linear probing from a position taken from the key's
/// high bits; removal shifts the following entries back, so there are no tombstones. Not
/// thread-safe (``SeenSet`` locks it).
struct SeenTable {
    /// `a`: the key's high 64 bits; `b`: the next 32 bits of the key, then the time. Empty: `b == 0`.
    private typealias Slot = (a: UInt64, b: UInt64)

    private var slots: [Slot] = []
    private(set) var count = 0

    /// Times are stored as seconds since the epoch plus one, in 32 bits (good until 2106).
    private static let baseSeconds: Int64 = 0
    /// Most of the table that may be in use before it grows.
    private static let maxLoad = 0.8

    var capacity: Int { slots.count }

    /// The stored time of `millis`: seconds since the base, rounded up, never 0.
    private static func stamp(_ millis: Int64) -> UInt64 {
        let seconds = millis / 1000 + (millis % 1000 > 0 ? 1 : 0)
        return UInt64(clamping: min(max(seconds - baseSeconds + 1, 1), Int64(UInt32.max)))
    }

    /// The stamp back in milliseconds since the epoch.
    private static func millis(_ stamp: UInt64) -> Int64 { (Int64(stamp) - 1 + baseSeconds) * 1000 }

    private static func slotB(_ key: DedupeKey, _ stamp: UInt64) -> UInt64 { (key.low & 0xFFFF_FFFF_0000_0000) | stamp }

    private func home(_ a: UInt64) -> Int { Int(a.multipliedFullWidth(by: UInt64(slots.count)).high) }

    /// The slot holding `key`, or the empty slot where it would go.
    private func find(_ key: DedupeKey) -> (index: Int, found: Bool) {
        let upper = key.low & 0xFFFF_FFFF_0000_0000
        var index = home(key.high)
        while true {
            let slot = slots[index]
            if slot.b == 0 { return (index, false) }
            if slot.a == key.high && slot.b & 0xFFFF_FFFF_0000_0000 == upper { return (index, true) }
            index += 1
            if index == slots.count { index = 0 }
        }
    }

    /// When `key` was accepted (whole seconds, rounded up), if it is in the table.
    func acceptedAtMillis(_ key: DedupeKey) -> Int64? {
        guard !slots.isEmpty else { return nil }
        let (index, found) = find(key)
        return found ? Self.millis(slots[index].b & 0xFFFF_FFFF) : nil
    }

    /// Adds `key`, or moves its time forward to `millis` if that is later.
    mutating func insert(_ key: DedupeKey, acceptedAtMillis millis: Int64) {
        if Double(count + 1) > Double(slots.count) * Self.maxLoad { grow(toHold: count + 1) }
        let stamp = Self.stamp(millis)
        let (index, found) = find(key)
        if found {
            if slots[index].b & 0xFFFF_FFFF < stamp { slots[index].b = Self.slotB(key, stamp) }
            return
        }
        slots[index] = (key.high, Self.slotB(key, stamp))
        count += 1
    }

    /// Makes room for `keys` keys in all, so loading does not rehash repeatedly.
    mutating func reserve(_ keys: Int) {
        if Double(keys) > Double(slots.count) * Self.maxLoad { rehash(capacity: Self.capacity(for: keys)) }
    }

    /// Removes every key accepted at or before `cutoffMillis`.
    mutating func removeAccepted(atOrBefore cutoffMillis: Int64) {
        var index = 0
        while index < slots.count {
            let slot = slots[index]
            if slot.b != 0, Self.millis(slot.b & 0xFFFF_FFFF) <= cutoffMillis {
                remove(at: index)  // the slot may now hold a shifted entry: look again
            } else {
                index += 1
            }
        }
    }

    /// Empties `hole` and shifts back the entries after it that probed past it.
    private mutating func remove(at start: Int) {
        var hole = start
        var next = start
        while true {
            next += 1
            if next == slots.count { next = 0 }
            let slot = slots[next]
            if slot.b == 0 { break }
            let wanted = home(slot.a)
            // The entry may stay if its home lies cyclically in (hole, next].
            let stays = hole <= next ? (hole < wanted && wanted <= next) : (hole < wanted || wanted <= next)
            if !stays {
                slots[hole] = slot
                hole = next
            }
        }
        slots[hole] = (0, 0)
        count -= 1
    }

    private static func capacity(for keys: Int) -> Int { max(16, Int((Double(keys) / maxLoad).rounded(.up)) + 1) }

    /// Grows by half (not double: the old and new arrays coexist while rehashing).
    private mutating func grow(toHold keys: Int) {
        rehash(capacity: max(Self.capacity(for: keys), slots.count + slots.count / 2))
    }

    private mutating func rehash(capacity: Int) {
        let old = slots
        slots = Array(repeating: (0, 0), count: capacity)
        for slot in old where slot.b != 0 {
            var index = home(slot.a)
            while slots[index].b != 0 {
                index += 1
                if index == slots.count { index = 0 }
            }
            slots[index] = slot
        }
    }
}
