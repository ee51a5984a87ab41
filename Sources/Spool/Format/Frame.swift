/// Length + CRC framing shared by segments and seen logs.
package enum Frame {
    /// Appends `[len][crc][payload]` to `buffer`.
    package static func append(payload: [UInt8], to buffer: inout [UInt8]) {
        ByteWriter.appendUInt32(UInt32(payload.count), to: &buffer)
        ByteWriter.appendUInt32(CRC32C.checksum(payload), to: &buffer)
        buffer.append(contentsOf: payload)
    }

    /// The result of scanning a file's frames.
    package struct Scan {
        /// Each complete payload, in order.
        package var payloads: [ArraySlice<UInt8>]
        /// Offset just past the last complete frame: where the file must be truncated.
        package var validLength: Int
    }

    /// Reads frames from `bytes` starting at `offset` until the end or the first incomplete or
    /// corrupt frame.
    package static func scan(_ bytes: [UInt8], from offset: Int) -> Scan {
        var payloads: [ArraySlice<UInt8>] = []
        var position = offset
        while bytes.count - position >= SpoolFormat.frameHeaderSize {
            let length = Int(ByteReader.uint32(bytes, at: position))
            let crc = ByteReader.uint32(bytes, at: position + 4)
            let start = position + SpoolFormat.frameHeaderSize
            guard length <= SpoolFormat.maximumPayload, bytes.count - start >= length else { break }
            let payload = bytes[start..<start + length]
            guard payload.withUnsafeBytes({ CRC32C.checksum($0) }) == crc else { break }
            payloads.append(payload)
            position = start + length
        }
        return Scan(payloads: payloads, validLength: position)
    }
}

/// Little-endian integer encoding.
package enum ByteWriter {
    package static func appendUInt16(_ value: UInt16, to buffer: inout [UInt8]) {
        buffer.append(UInt8(truncatingIfNeeded: value))
        buffer.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    package static func appendUInt32(_ value: UInt32, to buffer: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { buffer.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    package static func appendUInt64(_ value: UInt64, to buffer: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { buffer.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}

/// Little-endian integer decoding; callers check bounds first.
package enum ByteReader {
    package static func uint16<C: RandomAccessCollection>(_ bytes: C, at offset: C.Index) -> UInt16
    where C.Element == UInt8, C.Index == Int {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    package static func uint32<C: RandomAccessCollection>(_ bytes: C, at offset: C.Index) -> UInt32
    where C.Element == UInt8, C.Index == Int {
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[offset + index]) << UInt32(8 * index) }
        return value
    }

    package static func uint64<C: RandomAccessCollection>(_ bytes: C, at offset: C.Index) -> UInt64
    where C.Element == UInt8, C.Index == Int {
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << UInt64(8 * index) }
        return value
    }
}
