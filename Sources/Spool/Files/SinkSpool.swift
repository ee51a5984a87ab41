/// One sink's spool directory: its segments, the open tail segment and the next sequence number.
///
/// Owned by the writer thread; not thread-safe. See `SpoolFormat.swift` for the format.
package final class SinkSpool {
    package let name: String
    package let directory: String
    private let segmentBytes: Int
    private var tail: AppendFile
    /// First sequence number of each segment, ascending; the last is the tail.
    package private(set) var segments: [UInt64]
    /// Sequence number the next record gets.
    package private(set) var nextSequence: UInt64
    /// Bytes in all segments.
    package private(set) var totalBytes: Int
    /// What recovery found when the spool was opened (keys dropped by ``discardRecoveredRecords()``).
    package private(set) var recovery: Recovery

    /// What recovery found in the tail segment.
    package struct Recovery {
        /// Records in the tail segment (the only one that can hold unacknowledged bytes).
        /// Dedupe key and acceptance time of each record in the tail segment (the only one that
        /// can hold unacknowledged bytes); bodies are not kept.
        package var tailKeys: [(key: String, acceptedAtMillis: Int64)]
        /// Sequence number of the tail's last record.
        package var lastSequence: UInt64?
        /// Bytes dropped from a torn tail.
        package var truncatedBytes: Int
    }

    /// Opens or creates `directory`, recovering the tail segment: a torn last frame is truncated.
    package init(name: String, directory: String, segmentBytes: Int) throws(SpoolError) {
        self.name = name
        self.directory = directory
        self.segmentBytes = segmentBytes
        try SpoolFiles.makeDirectory(directory)
        let names = SpoolFiles.list(directory).filter { $0.hasSuffix(".seg") }
        var firsts = names.compactMap { UInt64($0.dropLast(4)) }.sorted()
        var total = 0
        for first in firsts.dropLast() { total += SpoolFiles.size(Self.segmentPath(directory, first)) }
        if firsts.isEmpty {
            firsts = [1]
            self.tail = try Self.createSegment(directory: directory, first: 1)
            self.nextSequence = 1
            self.recovery = Recovery(tailKeys: [], lastSequence: nil, truncatedBytes: 0)
            total += SpoolFormat.segmentMagic.count
        } else {
            let path = Self.segmentPath(directory, firsts.last!)
            let (length, recovered) = try Self.recoverSegment(path: path)
            self.recovery = recovered
            self.tail = try AppendFile(path: path, length: length)
            self.nextSequence = recovered.lastSequence.map { $0 + 1 } ?? firsts.last!
            total += length
        }
        self.segments = firsts
        self.totalBytes = total
    }

    /// Accounts for segments a reader deleted: `bytes` freed, segment list re-read.
    package func segmentsDeleted(bytes: Int) {
        totalBytes = max(0, totalBytes - bytes)
        segments = SpoolFiles.list(directory).filter { $0.hasSuffix(".seg") }.compactMap { UInt64($0.dropLast(4)) }
            .sorted()
    }

    /// Frees the recovered tail records once their keys are in the seen-set.
    package func discardRecoveredRecords() {
        recovery.tailKeys = []
    }

    /// Whether the next append starts a new segment (the current tail stops being the tail).
    package var rollsOnNextAppend: Bool { tail.length >= segmentBytes }

    /// Appends framed records (already encoded) to the tail, rolling to a new segment first if
    /// the tail is full. Returns the file written so the caller can sync or roll it back.
    package func append(_ framed: [UInt8], firstSequence: UInt64, count: UInt64) throws(SpoolError) -> (AppendFile, Int)
    {
        if tail.length >= segmentBytes {
            tail = try Self.createSegment(directory: directory, first: firstSequence)
            segments.append(firstSequence)
            totalBytes += SpoolFormat.segmentMagic.count
        }
        let before = tail.length
        try tail.append(framed)
        totalBytes += framed.count
        nextSequence = firstSequence + count
        return (tail, before)
    }

    /// Undoes an append after a failed batch.
    package func rollBack(file: AppendFile, to length: Int, sequence: UInt64) {
        totalBytes -= file.length - length
        file.rollBack(to: length)
        nextSequence = sequence
    }

    static func segmentPath(_ directory: String, _ first: UInt64) -> String {
        let digits = String(first)
        return directory + "/" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".seg"
    }

    private static func createSegment(directory: String, first: UInt64) throws(SpoolError) -> AppendFile {
        let path = segmentPath(directory, first)
        let file = try AppendFile(path: path, length: 0)
        try file.append(SpoolFormat.segmentMagic)
        try file.sync()
        try SpoolFiles.syncDirectory(directory)
        return file
    }

    /// Scans a segment in chunks (bounded memory), truncating it after its last complete record.
    /// Returns the valid length and what was found.
    static func recoverSegment(path: String) throws(SpoolError) -> (Int, Recovery) {
        let size = SpoolFiles.size(path)
        let magic = SpoolFormat.segmentMagic
        guard size >= magic.count else {
            // Torn at creation: nothing was ever acknowledged in it.
            try SpoolFiles.truncate(path, to: 0)
            let file = try AppendFile(path: path, length: 0)
            try file.append(magic)
            try file.sync()
            return (magic.count, Recovery(tailKeys: [], lastSequence: nil, truncatedBytes: size))
        }
        guard try SpoolFiles.readPrefix(path, count: magic.count) == magic else {
            throw SpoolError(code: .corrupt, message: "not a spool segment (bad magic)", path: path)
        }
        let reader = try SegmentReader(path: path, lenient: true)
        var keys: [(key: String, acceptedAtMillis: Int64)] = []
        var last: UInt64?
        while let record = try reader.next() {
            keys.append((record.dedupeKey, record.acceptedAtMillis))
            last = record.sequence
        }
        let valid = reader.offset
        if valid < size { try SpoolFiles.truncate(path, to: valid) }
        return (valid, Recovery(tailKeys: keys, lastSequence: last, truncatedBytes: size - valid))
    }
}
