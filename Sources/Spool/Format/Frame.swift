/// Length + CRC framing shared by segments and seen logs.
package enum Frame {
    /// Bytes before the payload: its length and its CRC-32C.
    package static let headerBytes = 8

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
