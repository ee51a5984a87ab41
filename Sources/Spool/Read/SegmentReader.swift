/// Reads a segment's records in order, streaming (one chunk plus one record in memory). Safe
/// on the tail segment while the writer appends: with `settled: false`, an incomplete or bad
/// frame at the end is "not yet" and is read again on the next call. With `settled: true`
/// (the bytes must be complete: recovery, or records below the commit mark) damage is judged:
/// a torn tail ends the data, corruption is skipped and reported (``FrameScanner``).
package final class SegmentReader {
    /// What the next read found.
    package enum Step {
        case record(SpoolRecord)
        /// Bytes that are not records, skipped.
        case corrupt(Range<Int>)
        /// Nothing more now; `tornAt` is where a torn tail starts, if there is one.
        case end(tornAt: Int?)
    }

    package let path: String
    private let scanner: FrameScanner

    /// File offset of the next unread frame.
    package var offset: Int { scanner.offset }

    /// Opens the segment whose first sequence is `firstSequence` (its name), after the magic.
    package init(
        path: String, firstSequence: UInt64, chunk: Int = 256 << 10, fileSystem: any FileSystem = PosixFileSystem.shared
    ) throws(SpoolError) {
        self.path = path
        self.scanner = try FrameScanner(
            path: path, kind: .segment(firstSequence: firstSequence), from: SpoolFormat.segmentMagic.count,
            chunk: chunk,
            fileSystem: fileSystem)
    }

    /// The next step (see the type's notes for `settled`).
    package func next(settled: Bool) throws(SpoolError) -> Step {
        switch try scanner.next(settled: settled) {
        case .frame(let payload):
            guard let record = SpoolRecord(decoding: payload) else {
                // The frame kind accepted it, so it decodes; anything else is corruption.
                return .corrupt(scanner.offset - payload.count - SpoolFormat.frameHeaderSize..<scanner.offset)
            }
            return .record(record)
        case .corrupt(let range): return .corrupt(range)
        case .end(let tornAt): return .end(tornAt: tornAt)
        }
    }

    /// Forgets bytes read ahead; the next read starts from the file at the current offset.
    package func discardReadAhead() { scanner.discardReadAhead() }
}
