/// The reader side of one sink's spool: hands out records in sequence order, up to what the
/// writer has committed, skipping records already acknowledged; persists acknowledgements; and
/// deletes segments whose every record is acknowledged.
///
/// Acknowledgement files (`<first-seq>.acks`, frames of one `u64` sequence each) sit beside
/// their segment. Acks are buffered and made durable by ``flush(committed:)``; acks lost in a crash only
/// mean those events are delivered again (at-least-once). A segment other than the last one is
/// deleted once all of its sequences `[first, next segment's first)` are acknowledged; the last
/// (tail) segment is never deleted, so recovery can always restore the keys in it.
///
/// Not thread-safe: one delivery worker owns a reader.
package final class SpoolReader {
    package let sink: String
    package let directory: String
    let fileSystem: any FileSystem
    var segments: [UInt64] = []
    var acked: [UInt64: Set<UInt64>] = [:]
    var pendingAcks: [UInt64: [UInt64]] = [:]
    /// Acks files whose name is known to be durable (their directory was synced since they were made).
    var durableAckNames = Set<UInt64>()
    /// Segments were deleted but the directory sync that makes it durable failed: done first at
    /// the next flush (until then a power cut brings them back, with acks that were never written).
    var deletionUnsynced = false
    /// Acks files a failed write left bytes at the end of, kept open until those are cut off.
    var staleAckFiles: [UInt64: AppendFile] = [:]
    var reader: (first: UInt64, reader: SegmentReader)?
    /// The next sequence number not yet handed out.
    package internal(set) var position: UInt64 = 0
    let onSegmentsDeleted: (Int) -> Void
    let integrity: SpoolIntegrity?
    var rollbacksSeen = 0
    /// The writer's tail segment, from the newest commit mark seen (0: none seen yet). Segments
    /// listed after it are not data (a failed creation's leftovers): never read nor deleted.
    var tailFirst: UInt64 = 0

    /// The largest run of unreadable sequences that is written off as lost; a larger one means
    /// the sequence numbers themselves cannot be trusted, and nothing is acknowledged.
    static let largestLoss: UInt64 = 1 << 24

    /// Opens the spool directory and loads existing acknowledgements. `onSegmentsDeleted`
    /// receives the bytes freed whenever segments are deleted; damage found while reading is
    /// reported to `integrity`. A reader that only counts (`counting`) makes nothing durable.
    package init(
        sink: String, directory: String, integrity: SpoolIntegrity? = nil,
        fileSystem: any FileSystem = PosixFileSystem.shared, counting: Bool = false,
        onSegmentsDeleted: @escaping (Int) -> Void = { _ in }
    ) throws(SpoolError) {
        self.sink = sink
        self.directory = directory
        self.fileSystem = fileSystem
        self.integrity = integrity
        self.onSegmentsDeleted = onSegmentsDeleted
        refreshSegments()
        // Names a killed process created without syncing are made durable before they are trusted.
        if !segments.isEmpty, !counting {
            try fileSystem.syncDirectory(directory)
            durableAckNames = Set(segments.filter { fileSystem.size(atPath: ackPath($0)) != nil })
            removeOrphanedAcknowledgements()
        }
        for first in segments {
            let path = ackPath(first)
            let size = fileSystem.size(path)
            guard size > 0 else { continue }
            var sequences = Set<UInt64>()
            let scanner = try FrameScanner(path: path, kind: .acks, from: 0, fileSystem: fileSystem)
            _ = try scanner.recover(integrity: integrity) { payload, _ in
                sequences.insert(ByteReader.uint64(payload, at: payload.startIndex))
            }
            acked[first] = sequences
        }
        position = segments.first ?? 1
    }

    private func report(_ kind: SpoolIntegrity.Finding.Kind, fileKind: String, path: String, _ range: Range<Int>) {
        integrity?.report(
            .init(
                kind: kind, fileKind: fileKind, path: path, range: UInt64(range.lowerBound)..<UInt64(range.upperBound)))
    }

    /// Up to `limit` unacknowledged records below the writer's committed mark, in order.
    package func next(limit: Int, committed: CommitMark) throws(SpoolError) -> [SpoolRecord] {
        note(committed)
        if committed.rollbacks != rollbacksSeen {
            rollbacksSeen = committed.rollbacks
            reader?.reader.discardReadAhead()
        }
        var out: [SpoolRecord] = []
        do throws(SpoolError) {
            while out.count < limit, position < committed.nextSequence {
                guard let record = try readAtPosition(committed: committed) else { break }
                guard record.sequence < committed.nextSequence else {
                    // Past damaged bytes, the next frame can be one the writer has not committed
                    // yet: never hand it out early; read the segment again next time.
                    reader = nil
                    break
                }
                position = record.sequence + 1
                if acked[segmentFirst(for: record.sequence)]?.contains(record.sequence) == true { continue }
                out.append(record)
            }
        } catch {
            // The records read before the failure are past `position`: hand them out, or they
            // would be skipped until the next start. The failure comes back on the next call.
            if out.isEmpty { throw error }
        }
        return out
    }

    /// Marks a record delivered or dead-lettered (durable at the next ``flush(committed:)``).
    package func acknowledge(_ sequence: UInt64) {
        let first = segmentFirst(for: sequence)
        guard acked[first, default: []].insert(sequence).inserted else { return }
        pendingAcks[first, default: []].append(sequence)
    }

    /// Deletes fully acknowledged segments, then makes the remaining buffered acknowledgements
    /// durable.
    ///
    /// Deleting first means freeing space never needs space: a segment whose every record is
    /// acknowledged in memory is deleted even while its `.acks` cannot be written (a full
    /// disk), and its unwritten acks go with it. Acks that fail to write stay buffered for the
    /// next call.
    package func flush(committed: CommitMark) throws(SpoolError) {
        note(committed)
        try deleteCompletedSegments()
        for (first, sequences) in pendingAcks.sorted(by: { $0.key < $1.key }) {
            var buffer: [UInt8] = []
            for sequence in sequences {
                var payload: [UInt8] = []
                ByteWriter.appendUInt64(sequence, to: &payload)
                Frame.append(payload: payload, to: &buffer)
            }
            let path = ackPath(first)
            let file: AppendFile
            if let stale = staleAckFiles.removeValue(forKey: first) {
                file = stale
            } else {
                file = try AppendFile(path: path, length: fileSystem.size(path), fileSystem: fileSystem)
            }
            do throws(SpoolError) {
                try file.appendDurably(buffer)
            } catch {
                // The bytes could not all be cut off again: kept open until they are.
                if file.hasStaleTail { staleAckFiles[first] = file }
                throw error
            }
            // A new file's name is durable only once its directory is synced.
            if !durableAckNames.contains(first) {
                try fileSystem.syncDirectory(directory)
                durableAckNames.insert(first)
            }
            pendingAcks[first] = nil
        }
    }

    /// When every record the writer committed is acknowledged and the tail segment holds some
    /// of them, the sequence the tail ends at (for ``GroupCommitWriter/retireTail(sink:drainedThrough:)``);
    /// otherwise nil.
    package func drainedTail(committed: CommitMark) -> UInt64? {
        note(committed)
        refreshSegments()
        guard let tail = segments.last, committed.nextSequence > tail,
            position >= committed.nextSequence,
            UInt64(acked[tail]?.count ?? 0) >= committed.nextSequence - tail
        else { return nil }
        return committed.nextSequence
    }

    /// Records below `committed` not yet acknowledged (exact: the segments on disk hold the
    /// contiguous sequences from the first segment's first up to the mark).
    package func pendingCount(committed: CommitMark) -> Int {
        note(committed)
        guard let first = segments.first, committed.nextSequence > first else { return 0 }
        let acknowledged = acked.values.reduce(0) { $0 + $1.count }
        return max(0, Int(committed.nextSequence - first) - acknowledged)
    }

    /// Records acknowledged but not yet flushed.
    package var unflushedCount: Int { pendingAcks.values.reduce(0) { $0 + $1.count } }

    /// The record at `position` or after it. Records below the commit mark must be readable
    /// (`settled`): damage there is skipped, reported, and the sequences it held are written off
    /// as lost (acknowledged, so the spool's accounting and deletion stay right).
    private func readAtPosition(committed: CommitMark) throws(SpoolError) -> SpoolRecord? {
        while true {
            if reader == nil
                || !(reader!.first <= position && (nextSegment(after: reader!.first).map { position < $0 } ?? true))
            {
                refreshSegments()
                let first = segmentFirst(for: position)
                guard segments.contains(first) else { return nil }
                let path = DataDirectory.segmentFile(in: directory, first: first)
                reader = (first, try SegmentReader(path: path, firstSequence: first, fileSystem: fileSystem))
            }
            let settled = position < committed.nextSequence
            switch try reader!.reader.next(settled: settled) {
            case .record(let record):
                if record.sequence < position { continue }
                if record.sequence > position, settled {
                    writeOff(position..<min(record.sequence, committed.nextSequence))
                }
                return record
            case .corrupt(let range):
                report(.corrupt, fileKind: "segment", path: reader!.reader.path, range)
                continue
            case .end(let tornAt):
                if let tornAt {
                    // Not the writer's to truncate here: the bytes stay, the records are gone.
                    report(
                        .corrupt, fileKind: "segment", path: reader!.reader.path,
                        tornAt..<fileSystem.size(reader!.reader.path))
                }
                // End of what this segment holds so far: move on if a later segment exists.
                refreshSegments()
                guard let following = nextSegment(after: reader!.first) else {
                    if tornAt != nil, settled { writeOff(position..<committed.nextSequence) }
                    return nil
                }
                if settled, position < following { writeOff(position..<min(following, committed.nextSequence)) }
                position = max(position, following)
                reader = nil
            }
        }
    }

    /// Sequences that cannot be read back: acknowledged as given up, and reported.
    private func writeOff(_ lost: Range<UInt64>) {
        guard !lost.isEmpty else { return }
        let path = DataDirectory.segmentFile(in: directory, first: segmentFirst(for: lost.lowerBound))
        guard UInt64(lost.count) <= Self.largestLoss else {
            integrity?.report(.init(kind: .lostRecords, fileKind: "segment", path: path, range: lost))
            return
        }
        let unacknowledged = lost.filter { acked[segmentFirst(for: $0)]?.contains($0) != true }
        guard !unacknowledged.isEmpty else { return }
        integrity?.report(.init(kind: .lostRecords, fileKind: "segment", path: path, range: lost))
        for sequence in unacknowledged { acknowledge(sequence) }
        position = max(position, lost.upperBound)
    }

    /// Takes the writer's tail from `committed` (it only ever moves forward).
    private func note(_ committed: CommitMark) {
        if committed.tailFirst > tailFirst {
            tailFirst = committed.tailFirst
            refreshSegments()
        }
    }

    /// The segments listed in the directory, up to the writer's tail once it is known.
    func refreshSegments() {
        let listed = DataDirectory.segmentFirsts(in: directory, fileSystem: fileSystem).sorted()
        segments = tailFirst > 0 ? listed.filter { $0 <= tailFirst } : listed
    }

    private func segmentFirst(for sequence: UInt64) -> UInt64 {
        segments.last { $0 <= sequence } ?? (segments.first ?? 1)
    }

    private func nextSegment(after first: UInt64) -> UInt64? {
        segments.first { $0 > first }
    }

    func ackPath(_ first: UInt64) -> String {
        DataDirectory.acknowledgementsFile(in: directory, first: first)
    }
}
