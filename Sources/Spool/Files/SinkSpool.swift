/// One sink's spool directory: its segments, the open tail segment and the next sequence number.
///
/// Owned by the writer thread; not thread-safe. See `SpoolFormat.swift` for the format.
package final class SinkSpool {
    package let name: String
    package let directory: String
    private let fileSystem: any FileSystem
    private let segmentBytes: Int
    private var tail: AppendFile
    /// First sequence number of the tail segment, the one the writer appends to. The writer's
    /// knowledge (published in ``CommitMark/tailFirst``), never taken from a directory listing.
    package private(set) var tailFirst: UInt64
    /// First sequence number of each segment, ascending, as listed.
    package private(set) var segments: [UInt64]
    /// Sequence number the next record gets.
    package private(set) var nextSequence: UInt64
    /// Bytes in all segments.
    package private(set) var totalBytes: Int
    /// What recovery found when the spool was opened (keys dropped by ``discardRecoveredRecords()``).
    package private(set) var recovery: Recovery
    /// False once the spare segment was used (or could not be made); made again at the next append.
    private var hasSpare = false

    /// A segment file prepared in advance (magic written and synced) so that starting a new tail
    /// is a rename, which needs no free space: that is what lets a drained tail be freed on a
    /// full disk. Its name has the length of a segment's name, so renaming it never grows the
    /// directory.
    static let spareName = DataDirectory.spareSegmentName
    private static let spareDraftName = DataDirectory.spareSegmentDraftName

    /// What recovery found in the tail segment.
    package struct Recovery {
        /// Records in the tail segment (the only one that can hold unacknowledged bytes).
        /// Dedupe key and acceptance time of each record in the tail segment (the only one that
        /// can hold unacknowledged bytes); bodies are not kept.
        package var tailKeys: [(key: String, acceptedAtMillis: Int64, fanOut: Int)]
        /// Sequence number of the tail's last record.
        package var lastSequence: UInt64?
        /// Sequence numbers left unused after corrupt bytes at the end of the tail: they may have
        /// belonged to records there (and be acknowledged already), so they are never given again.
        package var skippedSequences: UInt64 = 0
        /// Bytes dropped from a torn tail.
        package var truncatedBytes: Int
    }

    /// Opens or creates `directory`, recovering the tail segment: a torn last frame is truncated,
    /// corruption is reported to `integrity` and skipped.
    package init(
        name: String, directory: String, segmentBytes: Int, integrity: SpoolIntegrity? = nil,
        fileSystem: any FileSystem = PosixFileSystem.shared
    ) throws(SpoolError) {
        self.name = name
        self.directory = directory
        self.fileSystem = fileSystem
        self.segmentBytes = segmentBytes
        try fileSystem.makeDirectories(directory)
        var firsts = DataDirectory.segmentFirsts(in: directory, fileSystem: fileSystem).sorted()
        let magic = SpoolFormat.segmentMagic.count
        // A last segment that holds no record: a creation a failure or a crash cut short, or a new
        // tail nothing reached. After another segment its name just goes (no space needed), and
        // the segment before it is the tail again, so the keys of its records are recovered; alone
        // and without even its magic, it is made again (from the spare: no space needed either).
        var emptyFirst: UInt64 = 1
        while let last = firsts.last,
            fileSystem.size(Self.segmentPath(directory, last)) < magic
                || (firsts.count > 1 && fileSystem.size(Self.segmentPath(directory, last)) == magic)
        {
            try fileSystem.remove(Self.segmentPath(directory, last))
            emptyFirst = last
            firsts.removeLast()
        }
        var total = 0
        for first in firsts.dropLast() { total += fileSystem.size(Self.segmentPath(directory, first)) }
        if firsts.isEmpty {
            firsts = [emptyFirst]
            self.tail = try Self.createSegment(
                directory: directory, first: emptyFirst, spare: Self.usableSpare(directory, fileSystem),
                fileSystem: fileSystem)
            self.nextSequence = emptyFirst
            self.recovery = Recovery(tailKeys: [], lastSequence: nil, truncatedBytes: 0)
            total += magic
        } else {
            let path = Self.segmentPath(directory, firsts.last!)
            let (length, recovered) = try Self.recoverSegment(
                path: path, first: firsts.last!, integrity: integrity, fileSystem: fileSystem)
            self.recovery = recovered
            self.tail = try AppendFile(path: path, length: length, fileSystem: fileSystem)
            // Records a killed process wrote without syncing are still in the page cache: they
            // are made durable before their keys are taken as seen (and written to the seen log).
            try tail.sync()
            self.nextSequence = (recovered.lastSequence.map { $0 + 1 } ?? firsts.last!) + recovered.skippedSequences
            total += length
        }
        self.segments = firsts
        self.tailFirst = firsts.last!
        self.totalBytes = total
        // Names an earlier process made and did not get to sync (a segment whose creation
        // failed, or was cut short) are made durable before records are appended under them.
        try fileSystem.syncDirectory(directory)
        prepareSpare()
    }

    /// Whether the tail segment holds any record.
    package var tailHoldsRecords: Bool { tail.length > SpoolFormat.segmentMagic.count }

    /// Starts a new, empty tail at ``nextSequence``; the old tail becomes an ordinary segment.
    package func startNewTail() throws(SpoolError) {
        tail = try createSegment(first: nextSequence)
        tailFirst = nextSequence
        segments.append(nextSequence)
        totalBytes += SpoolFormat.segmentMagic.count
    }

    /// The spare segment's path if it is there and whole.
    private static func usableSpare(_ directory: String, _ fileSystem: any FileSystem) -> String? {
        let spare = directory + "/" + spareName
        guard fileSystem.size(spare) == SpoolFormat.segmentMagic.count,
            (try? fileSystem.readPrefix(spare, count: SpoolFormat.segmentMagic.count)) == SpoolFormat.segmentMagic
        else { return nil }
        return spare
    }

    /// Makes the spare segment if there is none (best effort: on a full disk it waits).
    private func prepareSpare() {
        if Self.usableSpare(directory, fileSystem) != nil {
            hasSpare = true
            return
        }
        // Written under another name first, so a half-made spare never has the spare's name.
        let draft = directory + "/" + Self.spareDraftName
        do throws(SpoolError) {
            try fileSystem.remove(draft)
            let file = try AppendFile(path: draft, length: 0, fileSystem: fileSystem)
            try file.append(SpoolFormat.segmentMagic)
            try file.sync()
            try fileSystem.rename(draft, to: directory + "/" + Self.spareName)
            hasSpare = true
        } catch {
            try? fileSystem.remove(draft)
            hasSpare = false
        }
    }

    /// Accounts for segments a reader deleted: `bytes` freed, segment list re-read.
    package func segmentsDeleted(bytes: Int) {
        totalBytes = max(0, totalBytes - bytes)
        segments = DataDirectory.segmentFirsts(in: directory, fileSystem: fileSystem).sorted()
    }

    /// Frees the recovered tail records once their keys are in the seen-set.
    package func discardRecoveredRecords() {
        recovery.tailKeys = []
    }

    /// Whether the next append starts a new segment (the current tail stops being the tail).
    package var rollsOnNextAppend: Bool { tail.length >= segmentBytes }

    /// Takes `bytes` at the end of the tail for `count` records from `firstSequence` (rolling to
    /// a new segment first if the tail is full) and returns the file and the offset where the
    /// caller writes them (``AppendFile/write(_:at:to:)``). Until those bytes are written and
    /// synced, the batch is rolled back on any failure.
    package func reserve(bytes: Int, firstSequence: UInt64, count: UInt64) throws(SpoolError) -> (AppendFile, Int) {
        if !hasSpare { prepareSpare() }
        if tail.length >= segmentBytes {
            tail = try createSegment(first: firstSequence)
            tailFirst = firstSequence
            segments.append(firstSequence)
            totalBytes += SpoolFormat.segmentMagic.count
        }
        let before = try tail.reserve(bytes)
        totalBytes += bytes
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
        DataDirectory.segmentFile(in: directory, first: first)
    }

    /// A new segment: the spare renamed if there is one, else a new file.
    private func createSegment(first: UInt64) throws(SpoolError) -> AppendFile {
        let spare = hasSpare ? directory + "/" + Self.spareName : nil
        hasSpare = false
        return try Self.createSegment(directory: directory, first: first, spare: spare, fileSystem: fileSystem)
    }

    /// A failed creation leaves nothing behind (best effort: if even the removal fails, the file
    /// holds no record, readers ignore it as it is not the tail, and recovery drops it).
    private static func createSegment(
        directory: String, first: UInt64, spare: String?, fileSystem: any FileSystem
    ) throws(SpoolError) -> AppendFile {
        let path = segmentPath(directory, first)
        do throws(SpoolError) {
            if let spare, (try? fileSystem.rename(spare, to: path)) != nil {
                try fileSystem.syncDirectory(directory)
                return try AppendFile(path: path, length: SpoolFormat.segmentMagic.count, fileSystem: fileSystem)
            }
            let file = try AppendFile(path: path, length: 0, fileSystem: fileSystem)
            try file.append(SpoolFormat.segmentMagic)
            try file.sync()
            try fileSystem.syncDirectory(directory)
            return file
        } catch {
            try? fileSystem.remove(path)
            throw error
        }
    }

    /// Scans the tail segment in chunks (bounded memory). A torn tail is truncated; corrupt
    /// bytes in the middle are kept, skipped and reported to `integrity`, and the records after
    /// them are kept. Returns the valid length and what was found.
    static func recoverSegment(
        path: String, first: UInt64, integrity: SpoolIntegrity?, fileSystem: any FileSystem
    ) throws(SpoolError) -> (Int, Recovery) {
        let size = fileSystem.size(path)
        let magic = SpoolFormat.segmentMagic
        guard size >= magic.count else {
            // Torn at creation: nothing was ever acknowledged in it.
            try fileSystem.truncateFile(path, to: 0)
            let file = try AppendFile(path: path, length: 0, fileSystem: fileSystem)
            try file.append(magic)
            try file.sync()
            return (magic.count, Recovery(tailKeys: [], lastSequence: nil, truncatedBytes: size))
        }
        if try fileSystem.readPrefix(path, count: magic.count) != magic {
            integrity?.report(.init(kind: .corrupt, fileKind: "segment", path: path, range: 0..<UInt64(magic.count)))
        }
        var keys: [(key: String, acceptedAtMillis: Int64, fanOut: Int)] = []
        var last: UInt64?
        var trailingCorruption = 0
        let scanner = try FrameScanner(
            path: path, kind: .segment(firstSequence: first), from: magic.count, fileSystem: fileSystem)
        let valid = try scanner.recover(
            integrity: integrity,
            frame: { payload, _ in
                guard let record = SpoolRecord(decoding: payload) else { return }
                keys.append((record.dedupeKey, record.acceptedAtMillis, record.fanOut))
                // The highest, not the last: in a damaged file an older record may follow.
                last = max(last ?? record.sequence, record.sequence)
                trailingCorruption = 0
            },
            corrupt: { trailingCorruption = $0.count })
        // As many sequences as records could fit in the corrupt end (a record frame is at least
        // 33 bytes), so that none of them is reused.
        let skipped = UInt64((trailingCorruption + 32) / 33)
        return (
            valid,
            Recovery(tailKeys: keys, lastSequence: last, skippedSequences: skipped, truncatedBytes: size - valid)
        )
    }
}
