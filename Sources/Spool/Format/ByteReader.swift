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
