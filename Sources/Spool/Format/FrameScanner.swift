/// Reads a file's `[len][CRC32C][payload]` frames in order, streaming (one chunk in memory),
/// and tells a torn tail from corruption (invariant 6).
///
/// - A **torn tail** is a bad or incomplete frame followed by nothing but zeros or the end of the
///   file: what a crash in the middle of an append leaves. Only then may the caller truncate.
/// - Anything else that does not parse is **corruption**: the scanner resynchronises on the next
///   valid frame and reports the bytes it skipped, so one flipped bit never takes the records
///   after it along.
///
/// A frame is valid when its length is plausible for the file's ``FrameKind``, it is complete,
/// its CRC matches and the kind accepts its payload. A zero length is never valid (no real
/// frame is empty), so zero-filled space reads as "nothing here".
package final class FrameScanner {
    /// What the next step found.
    package enum Step: Equatable {
        /// A valid frame's payload (valid until the next call).
        case frame(ArraySlice<UInt8>)
        /// Bytes that are not frames, skipped; scanning goes on after them.
        case corrupt(Range<Int>)
        /// Nothing more for now. `tornAt` is where a torn tail starts, if there is one.
        case end(tornAt: Int?)
    }

    package let path: String
    package let kind: FrameKind
    private let window: FileWindow
    /// Offset of the next frame to read.
    package private(set) var offset: Int

    /// Opens `path` on `fileSystem` to read frames from `offset`.
    package init(
        path: String, kind: FrameKind, from offset: Int, chunk: Int = 256 << 10,
        fileSystem: any FileSystem = PosixFileSystem.shared
    ) throws(SpoolError) {
        self.path = path
        self.kind = kind
        self.window = try FileWindow(path: path, chunk: chunk, fileSystem: fileSystem)
        self.offset = offset
    }

    /// The next step. With `settled` (recovery, or bytes known to be complete) a bad frame is
    /// judged torn or corrupt at once; without it, a bad or incomplete frame at the end may still
    /// be being written, so it is `.end(tornAt: nil)` and read again next time.
    package func next(settled: Bool = true) throws(SpoolError) -> Step {
        if let payload = try frame(at: offset) {
            offset += SpoolFormat.frameHeaderSize + payload.count
            return .frame(payload)
        }
        guard try window.bytes(offset, 1) != nil else { return .end(tornAt: nil) }
        guard settled else { return .end(tornAt: nil) }
        // Read again from the file, not from what was read ahead, before judging.
        window.discard()
        if let payload = try frame(at: offset) {
            offset += SpoolFormat.frameHeaderSize + payload.count
            return .frame(payload)
        }
        let size = window.size
        let bad = offset
        if let resume = try nextValidFrame(after: bad, before: size) {
            offset = resume
            return .corrupt(bad..<resume)
        }
        if try isTorn(at: bad, size: size) { return .end(tornAt: bad) }
        offset = size
        return .corrupt(bad..<size)
    }

    /// Forgets bytes read ahead; the next read goes to the file.
    package func discardReadAhead() { window.discard() }

    /// Reads every frame to the end, as recovery does: `frame` gets each valid payload and its
    /// frame's offset, corrupt ranges are reported to `integrity` (and passed to `corrupt`), and
    /// a torn tail is truncated and reported. Returns the file's valid length.
    package func recover(
        integrity: SpoolIntegrity?, frame: (ArraySlice<UInt8>, Int) -> Void,
        corrupt: (Range<Int>) -> Void = { _ in }
    ) throws(SpoolError) -> Int {
        while true {
            let start = offset
            switch try next() {
            case .frame(let payload):
                frame(payload, start)
            case .corrupt(let range):
                report(.corrupt, range, to: integrity)
                corrupt(range)
            case .end(let tornAt):
                guard let tornAt else { return offset }
                let size = window.size
                try window.fileSystem.truncateFile(path, to: tornAt)
                report(.tornTail, tornAt..<size, to: integrity)
                return tornAt
            }
        }
    }

    private func report(_ kind: SpoolIntegrity.Finding.Kind, _ range: Range<Int>, to integrity: SpoolIntegrity?) {
        integrity?.report(
            .init(
                kind: kind, fileKind: self.kind.name, path: path,
                range: UInt64(range.lowerBound)..<UInt64(range.upperBound)))
    }

    /// The valid frame at `position`, or nil.
    private func frame(at position: Int) throws(SpoolError) -> ArraySlice<UInt8>? {
        guard let header = try window.bytes(position, SpoolFormat.frameHeaderSize) else { return nil }
        let length = Int(ByteReader.uint32(header, at: header.startIndex))
        let crc = ByteReader.uint32(header, at: header.startIndex + 4)
        guard length > 0, length <= SpoolFormat.maximumPayload else { return nil }
        let prefixLength = min(length, FrameKind.prefixBytes)
        guard let prefix = try window.bytes(position + SpoolFormat.frameHeaderSize, prefixLength),
            kind.plausible(length, prefix),
            let payload = try window.bytes(position + SpoolFormat.frameHeaderSize, length),
            payload.withUnsafeBytes({ CRC32C.checksum($0) }) == crc, kind.accept(payload)
        else { return nil }
        return payload
    }

    /// The first offset after `start` (and before `end`) where a valid frame begins. Reads a
    /// megabyte at a time and tests each offset's header and first payload bytes in place; only
    /// a plausible candidate gets its CRC checked.
    private func nextValidFrame(after start: Int, before end: Int) throws(SpoolError) -> Int? {
        let header = SpoolFormat.frameHeaderSize
        let look = header + FrameKind.prefixBytes
        var base = start + 1
        while base + header < end {
            let count = min(1 << 20, end - base)
            guard let chunk = try window.bytes(base, count) else { return nil }
            var candidate: Int?
            chunk.withUnsafeBytes { raw in
                var index = 0
                while index + header <= raw.count {
                    let length = Int(raw.loadUnaligned(fromByteOffset: index, as: UInt32.self).littleEndian)
                    let position = base + index
                    if length > 0, length <= SpoolFormat.maximumPayload, position + header + length <= end {
                        let available = min(FrameKind.prefixBytes, length, raw.count - index - header)
                        if available == min(FrameKind.prefixBytes, length) {
                            let prefix = ArraySlice(
                                UnsafeRawBufferPointer(rebasing: raw[(index + header)..<(index + header + available)]))
                            if kind.plausible(length, prefix) {
                                candidate = position
                                return
                            }
                        } else {
                            // Its prefix runs past this chunk: let the next chunk start here.
                            candidate = -position
                            return
                        }
                    }
                    index += 1
                }
            }
            switch candidate {
            case let position? where position > 0:
                if try frame(at: position) != nil { return position }
                base = position + 1
            case let position? where position < 0:
                if -position == base {
                    // A whole chunk could not hold the prefix: the file ends here.
                    if try frame(at: base) != nil { return base }
                    base += 1
                } else {
                    base = -position
                }
            default:
                base += max(1, count - look)
            }
        }
        return nil
    }

    /// A torn tail: the bad frame at `position` runs past the end of the file, or everything
    /// after its declared end is zero.
    private func isTorn(at position: Int, size: Int) throws(SpoolError) -> Bool {
        guard let header = try window.bytes(position, SpoolFormat.frameHeaderSize) else { return true }
        let length = Int(ByteReader.uint32(header, at: header.startIndex))
        let frameEnd = position + SpoolFormat.frameHeaderSize + length
        if length == 0 { return try isZero(from: position, to: size) }
        guard frameEnd < size else { return true }
        return try isZero(from: frameEnd, to: size)
    }

    private func isZero(from start: Int, to end: Int) throws(SpoolError) -> Bool {
        var position = start
        while position < end {
            let count = min(64 << 10, end - position)
            guard let bytes = try window.bytes(position, count) else { return true }
            if bytes.contains(where: { $0 != 0 }) { return false }
            position += count
        }
        return true
    }
}
