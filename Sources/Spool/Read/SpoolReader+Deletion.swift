extension SpoolReader {
    /// Deletes the segments (and their acks files) whose every record is acknowledged, up to
    /// the writer's tail, then syncs the directory; a failed directory sync is retried first
    /// at the next call.
    func deleteCompletedSegments() throws(SpoolError) {
        // Which segment is the tail is the writer's to say: with no mark seen yet, none is deleted.
        guard tailFirst > 0 else { return }
        refreshSegments()
        var freed = 0
        var deleted = false
        var failure: SpoolError?
        for (index, first) in segments.enumerated().dropLast() {
            let end = segments[index + 1]
            guard UInt64(acked[first]?.count ?? 0) >= end - first else { break }
            if reader?.first == first { reader = nil }
            let segment = DataDirectory.segmentFile(in: directory, first: first)
            let bytes = fileSystem.size(segment)
            do throws(SpoolError) {
                try fileSystem.remove(segment)
            } catch {
                failure = error
                break
            }
            freed += bytes
            acked[first] = nil
            pendingAcks[first] = nil
            staleAckFiles[first] = nil
            deleted = true
            // An acks file left behind (its removal failed) has no segment: removed at the next start.
            let acks = fileSystem.size(ackPath(first))
            do throws(SpoolError) {
                try fileSystem.remove(ackPath(first))
                freed += acks
            } catch {
                failure = failure ?? error
            }
        }
        if deleted {
            refreshSegments()
            // Every sequence below the first segment left is acknowledged: read on from there.
            if let first = segments.first { position = max(position, first) }
            onSegmentsDeleted(freed)
            deletionUnsynced = true
        }
        if deletionUnsynced {
            try fileSystem.syncDirectory(directory)
            deletionUnsynced = false
        }
        if let failure { throw failure }
    }

    /// Removes acks files whose segment is gone (their removal failed after the segment's).
    func removeOrphanedAcknowledgements() {
        let existing = Set(segments)
        for name in fileSystem.list(directory) where name.hasSuffix(".acks") {
            guard let first = UInt64(name.dropLast(5)), !existing.contains(first), first < (segments.first ?? 0)
            else { continue }
            try? fileSystem.remove(directory + "/" + name)
        }
    }
}
