/// A 128-bit fingerprint of an event's dedupe key (see `DedupeKey` in RelayCore).
package struct SeenKey: Hashable, Sendable {
    package var high: UInt64
    package var low: UInt64

    package init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }
}
