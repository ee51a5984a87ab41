import RelayCore
import Testing

@testable import Spool

@Suite struct SeenTableTests {
    /// Random inserts, re-inserts with other times and sweeps, checked against a dictionary
    /// after every step. Few distinct home positions (small `spread`) force long probe runs that
    /// wrap around the end of the table, which is where backward-shift removal can go wrong.
    @Test(arguments: [(seed: UInt64(1), spread: UInt64.max), (2, 1 << 58), (3, 1 << 62), (4, .max)])
    func behavesLikeADictionary(seed: UInt64, spread: UInt64) {
        var random = SeededRandom(seed: seed)
        var table = SeenTable()
        var model: [DedupeKey: Int64] = [:]
        var keys: [DedupeKey] = []
        let start: Int64 = 1_780_000_000_000
        for step in 0..<20_000 {
            let choice = random.next() % 10
            if choice < 6 || keys.isEmpty {
                // A new key near the top of the range when spread is small: homes crowd the end.
                let high = spread == .max ? random.next() : UInt64.max - random.next() % spread
                let key = DedupeKey(high: high, low: random.next())
                let time = start + Int64(random.next() % 600_000)
                table.insert(key, acceptedAtMillis: time)
                model[key] = max(model[key] ?? .min, Self.rounded(time))
                keys.append(key)
            } else if choice < 8 {
                let key = keys[Int(random.next() % UInt64(keys.count))]
                let time = start + Int64(random.next() % 600_000)
                table.insert(key, acceptedAtMillis: time)
                if model[key] != nil { model[key] = max(model[key]!, Self.rounded(time)) }
                if model[key] == nil { model[key] = Self.rounded(time) }
            } else if choice == 8 {
                let cutoff = start + Int64(random.next() % 600_000)
                table.removeAccepted(atOrBefore: cutoff)
                model = model.filter { $0.value > cutoff }
            } else {
                let key = keys[Int(random.next() % UInt64(keys.count))]
                #expect(table.acceptedAtMillis(key) == model[key], "step \(step)")
            }
            #expect(table.count == model.count, "step \(step)")
        }
        for key in keys { #expect(table.acceptedAtMillis(key) == model[key]) }
        #expect(Double(table.count) <= Double(table.capacity) * 0.8)
    }

    /// Times are kept as whole seconds, rounded up: an entry may expire late, never early.
    @Test func timesRoundUpToTheSecond() {
        var table = SeenTable()
        let key = DedupeKey(high: 7, low: 9)
        table.insert(key, acceptedAtMillis: 1_780_000_000_001)
        #expect(table.acceptedAtMillis(key) == 1_780_000_001_000)
        table.insert(key, acceptedAtMillis: 1_780_000_000_000)
        #expect(table.acceptedAtMillis(key) == 1_780_000_001_000, "an older time never replaces a newer")
        table.removeAccepted(atOrBefore: 1_780_000_000_999)
        #expect(table.count == 1)
        table.removeAccepted(atOrBefore: 1_780_000_001_000)
        #expect(table.count == 0)
        #expect(table.acceptedAtMillis(key) == nil)
    }

    /// A million keys fit in about 20 MB (16-byte slots at a load of at most 0.8).
    @Test func aMillionKeysTakeSixteenBytesASlot() {
        var table = SeenTable()
        table.reserve(1_000_000)
        let reserved = table.capacity
        var random = SeededRandom(seed: 9)
        for _ in 0..<1_000_000 {
            table.insert(DedupeKey(high: random.next(), low: random.next()), acceptedAtMillis: 1_780_000_000_000)
        }
        #expect(table.count == 1_000_000)
        #expect(table.capacity == reserved, "reserving made room for all of them")
        #expect(table.capacity * 16 < 21_000_000)
    }

    private static func rounded(_ millis: Int64) -> Int64 { (millis + 999) / 1000 * 1000 }
}
