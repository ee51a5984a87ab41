#if canImport(Glibc)
    import Glibc
#endif

/// Reads a segment's records in order with chunked `pread`, holding at most one chunk (plus
/// one record) in memory. Safe on the tail segment while the writer appends: an incomplete
/// frame at the end is simply "not yet" and is read again on the next call.
package final class SegmentReader {
    package let path: String
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    /// File offset of the next unread frame.
    package private(set) var offset: Int
    private let chunk: Int
    /// Recovery mode: a corrupt frame ends the data (nil) instead of being an error.
    private let lenient: Bool

    package init(path: String, chunk: Int = 256 << 10, lenient: Bool = false) throws(SpoolError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SpoolError.posix("open", path: path, errno: errno) }
        self.path = path
        self.descriptor = fd
        self.offset = SpoolFormat.segmentMagic.count
        self.bufferStart = SpoolFormat.segmentMagic.count
        self.chunk = chunk
        self.lenient = lenient
    }

    deinit { close(descriptor) }

    /// The next complete record, or nil if none is complete yet (end of the data written so far).
    package func next() throws(SpoolError) -> SpoolRecord? {
        guard let payload = try nextPayload() else { return nil }
        guard let record = SpoolRecord(decoding: payload) else {
            if lenient { return nil }
            throw SpoolError(code: .corrupt, message: "undecodable record before offset \(offset)", path: path)
        }
        return record
    }

    /// The next complete frame's payload (valid only until the next call), or nil.
    package func nextPayload() throws(SpoolError) -> ArraySlice<UInt8>? {
        while true {
            let available = buffer.count - (offset - bufferStart)
            if available >= SpoolFormat.frameHeaderSize {
                let start = offset - bufferStart
                let length = Int(ByteReader.uint32(buffer, at: start))
                guard length <= SpoolFormat.maximumPayload else {
                    if lenient { return nil }
                    throw SpoolError(code: .corrupt, message: "frame length \(length) at offset \(offset)", path: path)
                }
                if available >= SpoolFormat.frameHeaderSize + length {
                    let payload = buffer[
                        (start + SpoolFormat.frameHeaderSize)..<(start + SpoolFormat.frameHeaderSize + length)]
                    guard payload.withUnsafeBytes({ CRC32C.checksum($0) }) == ByteReader.uint32(buffer, at: start + 4)
                    else {
                        if lenient { return nil }
                        throw SpoolError(code: .corrupt, message: "bad checksum at offset \(offset)", path: path)
                    }
                    offset += SpoolFormat.frameHeaderSize + length
                    return payload
                }
            }
            guard try fill() else { return nil }
        }
    }

    /// Forgets bytes read ahead; the next read starts from the file at the current offset.
    package func discardReadAhead() {
        buffer = []
        bufferStart = offset
    }

    /// Drops consumed bytes and reads more; false when the file has nothing new.
    private func fill() throws(SpoolError) -> Bool {
        buffer.removeFirst(offset - bufferStart)
        bufferStart = offset
        let want = max(chunk, SpoolFormat.frameHeaderSize)
        var more = [UInt8](repeating: 0, count: want)
        let position = bufferStart + buffer.count
        let n = more.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, want, off_t(position)) }
        guard n >= 0 else { throw SpoolError.posix("read", path: path, errno: errno) }
        guard n > 0 else { return false }
        buffer.append(contentsOf: more[0..<n])
        return true
    }
}
