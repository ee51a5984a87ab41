/// The durable side of the seen-set: `seen/<unix-hour>.log` files of ``SeenEntry`` frames.
///
/// A new file starts each hour; files entirely older than the dedupe window are deleted.
///
/// A failed `fdatasync` is never retried on the same file: the kernel reports a writeback error
/// once and may have dropped the pages, so a later sync that succeeds proves nothing. Instead
/// the entries not yet known to be durable (kept in memory until their sync succeeds) are
/// written again into a fresh file (`<hour>.<n>.log`) and synced there; until that works,
/// every sync fails. Owned by the writer thread; not thread-safe.
package final class SeenLog {
    package let directory: String
    private let fileSystem: any FileSystem
    private let windowMillis: Int64
    private let integrity: SpoolIntegrity?
    private var current: AppendFile?
    private var currentHour: Int64 = -1
    /// Entries written to `current` since its last successful sync.
    private var unsyncedEntries: [SeenEntry] = []
    /// A sync failed: `current` may have lost bytes and is not written again.
    private var poisoned = false
    /// Entries that must be in the log and are not written yet (``remember(_:nowMillis:)``):
    /// written ahead of the next append, or by ``syncPending()``.
    private var unwritten: [SeenEntry] = []
    private var unwrittenNowMillis: Int64 = 0
    /// Files whose sync failed at load: never appended to again (their entries are written anew).
    private var untrusted = Set<String>()
    /// Length of `current` at its last successful sync.
    private var syncedLength = 0
    /// Makes a file's data durable: `AppendFile.sync`; a test can make it fail.
    private let syncFile: (AppendFile) throws(SpoolError) -> Void

    /// Opens (creating if needed) the log directory.
    package init(
        directory: String, windowMillis: Int64, integrity: SpoolIntegrity? = nil,
        fileSystem: any FileSystem = PosixFileSystem.shared,
        sync: @escaping (AppendFile) throws(SpoolError) -> Void = { file throws(SpoolError) in try file.sync() }
    ) throws(SpoolError) {
        self.directory = directory
        self.fileSystem = fileSystem
        self.windowMillis = windowMillis
        self.integrity = integrity
        self.syncFile = sync
        try fileSystem.makeDirectories(directory)
    }

    /// Reads every log file and passes each entry newer than the window to `body`, one chunk in
    /// memory at a time. A torn tail is truncated; a bad header or corrupt bytes in the middle
    /// are reported and skipped, never truncated away (the entries after them are kept).
    package func load(nowMillis: Int64, _ body: (SeenEntry) -> Void) throws(SpoolError) {
        let magic = SpoolFormat.seenMagic
        for name in fileSystem.list(directory) where name.hasSuffix(".log") {
            let path = directory + "/" + name
            let size = fileSystem.size(path)
            guard size > 0 else { continue }
            let header = try fileSystem.readPrefix(path, count: magic.count)
            if size < magic.count, header == Array(magic.prefix(size)) {
                // Torn while it was being created: it never held an entry.
                try fileSystem.truncateFile(path, to: 0)
                report(.tornTail, path: path, 0..<size)
                continue
            }
            if header != magic { report(.corrupt, path: path, 0..<min(size, magic.count)) }
            guard size > magic.count else { continue }
            // Bytes a killed process wrote without syncing are still in the page cache: they are
            // made durable before they are trusted, or, if that fails, written again.
            let durable = (try? fileSystem.syncFile(path)) != nil
            if !durable { untrusted.insert(path) }
            let scanner = try FrameScanner(path: path, kind: .seenEntry, from: magic.count, fileSystem: fileSystem)
            _ = try scanner.recover(integrity: integrity) { payload, _ in
                if let entry = SeenEntry(decoding: payload), nowMillis - entry.acceptedAtMillis < windowMillis {
                    body(entry)
                    if !durable { remember([entry], nowMillis: nowMillis) }
                }
            }
        }
        guard !untrusted.isEmpty else { return }
        // Which of their pages reached the disk is unknown: their entries go into a fresh file at
        // once, synced, and then the files go, before anything relies on them.
        try append([], nowMillis: nowMillis, sync: true)
        for path in untrusted.sorted() where current?.path != path { try fileSystem.remove(path) }
        try fileSystem.syncDirectory(directory)
    }

    /// Keeps `entries` to write with the next append or ``syncPending()``: keys that must be in
    /// the log (recovered from spool tails, whose replacement waits for ``syncPending()``), where
    /// writing them now could fail.
    package func remember(_ entries: [SeenEntry], nowMillis: Int64) {
        unwritten += entries
        unwrittenNowMillis = max(unwrittenNowMillis, nowMillis)
    }

    private func report(_ kind: SpoolIntegrity.Finding.Kind, path: String, _ range: Range<Int>) {
        integrity?.report(
            .init(
                kind: kind, fileKind: "seen log", path: path,
                range: UInt64(range.lowerBound)..<UInt64(range.upperBound)))
    }

    /// An upper bound on the entries the log files hold (for sizing the in-memory set).
    package func estimatedEntries() -> Int {
        let files = fileSystem.list(directory).filter { $0.hasSuffix(".log") }
        return files.reduce(0) { $0 + fileSystem.size(directory + "/" + $1) } / 32
    }

    /// Appends entries; with `sync` (the default) they are durable before it returns, otherwise
    /// at the next ``syncPending()`` (or any later synced append).
    package func append(_ entries: [SeenEntry], nowMillis: Int64, sync: Bool = true) throws(SpoolError) {
        let carried = unwritten
        guard !entries.isEmpty || !carried.isEmpty else { return }
        unwritten = []
        let file: AppendFile
        do throws(SpoolError) {
            file = try fileForHour(nowMillis / 3_600_000, nowMillis: nowMillis)
        } catch {
            unwritten = carried + unwritten
            throw error
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity((carried.count + entries.count) * 32)
        for entry in carried + entries { Frame.append(payload: entry.encoded(), to: &buffer) }
        let before = file.length
        do throws(SpoolError) {
            try file.append(buffer)
        } catch {
            file.rollBack(to: before)
            unwritten = carried + unwritten
            throw error
        }
        unsyncedEntries += carried + entries
        guard sync else { return }
        do throws(SpoolError) {
            try syncPending()
        } catch {
            // This batch fails as a whole (invariant 2): its entries must never be made durable
            // later by a rewrite, so they leave the pending list and, if possible, the file. The
            // carried entries stay pending: a fresh file gets them.
            unsyncedEntries.removeLast(entries.count)
            if current === file, carried.isEmpty { file.rollBack(to: before) }
            throw error
        }
    }

    /// Makes every entry appended so far durable: a sync of the current file, or, after a
    /// failed sync, a fresh file holding them again. Entries kept by ``remember(_:nowMillis:)``
    /// are written first.
    package func syncPending() throws(SpoolError) {
        if !unwritten.isEmpty { try append([], nowMillis: unwrittenNowMillis, sync: false) }
        guard let current, !unsyncedEntries.isEmpty || poisoned else { return }
        if !poisoned {
            do throws(SpoolError) {
                try syncFile(current)
                unsyncedEntries = []
                syncedLength = current.length
                return
            } catch {
                poisoned = true
                // The kernel may have dropped those pages while still showing them: cut them off
                // (or zero them), so that a restart never reads entries that are not on disk.
                // They are written again below, into a fresh file.
                current.rollBack(to: syncedLength)
            }
        }
        try startFreshFile()
    }

    /// Replaces a file whose sync failed by a new one for the same hour that holds the entries
    /// not yet known to be durable, synced (with its directory) before it is used.
    private func startFreshFile() throws(SpoolError) {
        var number = 1
        var path = Self.path(directory, hour: currentHour, number: number)
        while fileSystem.size(path) > 0 {
            number += 1
            path = Self.path(directory, hour: currentHour, number: number)
        }
        var buffer = SpoolFormat.seenMagic
        for entry in unsyncedEntries { Frame.append(payload: entry.encoded(), to: &buffer) }
        let file = try AppendFile(path: path, length: 0, fileSystem: fileSystem)
        do throws(SpoolError) {
            try file.append(buffer)
            try syncFile(file)
            try fileSystem.syncDirectory(directory)
        } catch {
            try? fileSystem.remove(path)
            throw error
        }
        current = file
        syncedLength = file.length
        unsyncedEntries = []
        poisoned = false
    }

    private static func path(_ directory: String, hour: Int64, number: Int = 0) -> String {
        let digits = String(hour)
        let name = String(repeating: "0", count: max(0, 12 - digits.count)) + digits
        return directory + "/" + name + (number > 0 ? ".\(number)" : "") + ".log"
    }

    private func fileForHour(_ hour: Int64, nowMillis: Int64) throws(SpoolError) -> AppendFile {
        if let current, hour == currentHour, !poisoned { return current }
        if current != nil { try syncPending() }
        if let current, hour == currentHour { return current }
        let path = Self.path(directory, hour: hour)
        if untrusted.contains(path) {
            // Its pages may be lost: this hour goes on in a fresh file.
            currentHour = hour
            try startFreshFile()
            removeExpired(nowMillis: nowMillis)
            return current!
        }
        var length = fileSystem.size(path)
        if length == SpoolFormat.seenMagic.count,
            (try? fileSystem.readPrefix(path, count: length)) != SpoolFormat.seenMagic
        {
            length = 0  // a magic a failed write left zeroed, with nothing after it: written again
        }
        let file = try AppendFile(path: path, length: length, fileSystem: fileSystem)
        if length < SpoolFormat.seenMagic.count {
            file.rollBack(to: 0)
            do throws(SpoolError) {
                try file.append(SpoolFormat.seenMagic)
                try file.sync()
            } catch {
                // A failed sync may have dropped the magic's pages: start over next time.
                file.rollBack(to: 0)
                throw error
            }
        }
        // Whoever made the file (an attempt that failed before this sync, a killed process), its
        // name is durable before an entry in it is trusted.
        try fileSystem.syncDirectory(directory)
        current = file
        syncedLength = file.length
        currentHour = hour
        removeExpired(nowMillis: nowMillis)
        return file
    }

    /// Deletes files whose whole hour ended more than a window ago.
    private func removeExpired(nowMillis: Int64) {
        for name in fileSystem.list(directory) where name.hasSuffix(".log") {
            guard let hour = Int64(name.prefix { $0.isASCII && $0.isNumber }) else { continue }
            if (hour + 1) * 3_600_000 + windowMillis < nowMillis {
                try? fileSystem.remove(directory + "/" + name)
            }
        }
    }
}
