import RelayCore

extension WriterState {
    /// One spool's share of a batch: the encoded records (with sequence 0; ``framed()`` gives
    /// each its sequence and frame), planned on the writer thread, framed by a sync helper.
    struct SinkBatch {
        var payloads: [[UInt8]] = []
        var firstSequence: UInt64
        /// Bytes the framed records take.
        var bytes = 0

        var count: UInt64 { UInt64(payloads.count) }

        mutating func append(_ payload: [UInt8]) {
            payloads.append(payload)
            bytes += Frame.headerBytes + payload.count
        }

        /// The records as they go to disk: numbered from `firstSequence`, framed.
        func framed() -> [UInt8] {
            var buffer: [UInt8] = []
            buffer.reserveCapacity(bytes)
            for (offset, payload) in payloads.enumerated() {
                // Copied once: header, then the payload, whose sequence and CRC are set in place.
                let start = buffer.count
                ByteWriter.appendUInt32(UInt32(payload.count), to: &buffer)
                ByteWriter.appendUInt32(0, to: &buffer)
                buffer.append(contentsOf: payload)
                var sequence = (firstSequence + UInt64(offset)).littleEndian
                buffer.withUnsafeMutableBytes { bytes in
                    let record = UnsafeMutableRawBufferPointer(rebasing: bytes[(start + Frame.headerBytes)...])
                    withUnsafeBytes(of: &sequence) {
                        record.baseAddress!.advanced(by: SpoolRecord.sequenceOffset)
                            .copyMemory(from: $0.baseAddress!, byteCount: 8)
                    }
                    let crc = CRC32C.checksum(UnsafeRawBufferPointer(record)).littleEndian
                    withUnsafeBytes(of: crc) {
                        bytes.baseAddress!.advanced(by: start + 4).copyMemory(from: $0.baseAddress!, byteCount: 4)
                    }
                }
            }
            return buffer
        }
    }
}
