import RelayCore

/// A key made durable at a time: one frame of the seen log.
package struct SeenEntry: Sendable, Equatable {
    package var key: DedupeKey
    package var acceptedAtMillis: Int64

    package init(key: DedupeKey, acceptedAtMillis: Int64) {
        self.key = key
        self.acceptedAtMillis = acceptedAtMillis
    }

    /// Payload: `u64 high`, `u64 low`, `i64 accepted-at ms`.
    package func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        ByteWriter.appendUInt64(key.high, to: &out)
        ByteWriter.appendUInt64(key.low, to: &out)
        ByteWriter.appendUInt64(UInt64(bitPattern: acceptedAtMillis), to: &out)
        return out
    }

    package init?(decoding payload: ArraySlice<UInt8>) {
        guard payload.count == 24 else { return nil }
        let start = payload.startIndex
        self.key = DedupeKey(
            high: ByteReader.uint64(payload, at: start), low: ByteReader.uint64(payload, at: start + 8))
        self.acceptedAtMillis = Int64(bitPattern: ByteReader.uint64(payload, at: start + 16))
    }
}
