/// The durable side of the seen-set: `seen/<unix-hour>.log` files of ``SeenEntry`` frames.
///
/// A new file starts each hour; files entirely older than the dedupe window are deleted.
/// Owned by the writer thread; not thread-safe.
package final class SeenLog {
    package let directory: String
    private let windowMillis: Int64
    private var current: AppendFile?
    private var currentHour: Int64 = -1
    /// True while the current file holds bytes written without a sync.
    private var unsynced = false

    /// Opens (creating if needed) the log directory.
    package init(directory: String, windowMillis: Int64) throws(SpoolError) {
        self.directory = directory
        self.windowMillis = windowMillis
        try SpoolFiles.makeDirectory(directory)
    }

    /// Reads every log file (truncating torn tails) and passes each entry newer than the window
    /// to `body`, one file in memory at a time.
    package func load(nowMillis: Int64, _ body: (SeenEntry) -> Void) throws(SpoolError) {
        for name in SpoolFiles.list(directory) where name.hasSuffix(".log") {
            let path = directory + "/" + name
            let size = SpoolFiles.size(path)
            let magic = SpoolFormat.seenMagic
            guard size >= magic.count, try SpoolFiles.readPrefix(path, count: magic.count) == magic else {
                try SpoolFiles.truncate(path, to: 0)
                continue
            }
            // Streamed in chunks: an hour of a busy relay is tens of MB of entries.
            let reader = try SegmentReader(path: path, lenient: true)
            while let payload = try reader.nextPayload() {
                if let entry = SeenEntry(decoding: payload), nowMillis - entry.acceptedAtMillis < windowMillis {
                    body(entry)
                }
            }
            if reader.offset < size { try SpoolFiles.truncate(path, to: reader.offset) }
        }
    }

    /// An upper bound on the entries the log files hold (for sizing the in-memory set).
    package func estimatedEntries() -> Int {
        let files = SpoolFiles.list(directory).filter { $0.hasSuffix(".log") }
        return files.reduce(0) { $0 + SpoolFiles.size(directory + "/" + $1) } / 32
    }

    /// Appends entries; with `sync` (the default) they are durable before it returns, otherwise
    /// at the next ``syncPending()`` (or any later synced append).
    package func append(_ entries: [SeenEntry], nowMillis: Int64, sync: Bool = true) throws(SpoolError) {
        guard !entries.isEmpty else { return }
        let file = try fileForHour(nowMillis / 3_600_000, nowMillis: nowMillis)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(entries.count * 32)
        for entry in entries { Frame.append(payload: entry.encoded(), to: &buffer) }
        let before = file.length
        do throws(SpoolError) {
            try file.append(buffer)
            if sync {
                try file.sync()
                unsynced = false
            } else {
                unsynced = true
            }
        } catch {
            file.rollBack(to: before)
            throw error
        }
    }

    /// Syncs entries appended without a sync.
    package func syncPending() throws(SpoolError) {
        guard unsynced, let current else { return }
        try current.sync()
        unsynced = false
    }

    private func fileForHour(_ hour: Int64, nowMillis: Int64) throws(SpoolError) -> AppendFile {
        if let current, hour == currentHour { return current }
        try syncPending()
        let digits = String(hour)
        let path = directory + "/" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits + ".log"
        var length = SpoolFiles.size(path)
        let file = try AppendFile(path: path, length: length)
        if length < SpoolFormat.seenMagic.count {
            file.rollBack(to: 0)
            try file.append(SpoolFormat.seenMagic)
            try file.sync()
            try SpoolFiles.syncDirectory(directory)
            length = file.length
        }
        current = file
        currentHour = hour
        removeExpired(nowMillis: nowMillis)
        return file
    }

    /// Deletes files whose whole hour ended more than a window ago.
    private func removeExpired(nowMillis: Int64) {
        for name in SpoolFiles.list(directory) where name.hasSuffix(".log") {
            guard let hour = Int64(name.dropLast(4)) else { continue }
            if (hour + 1) * 3_600_000 + windowMillis < nowMillis {
                _ = unlinkFile(directory + "/" + name)
            }
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif

private func unlinkFile(_ path: String) -> Bool { unlink(path) == 0 }
