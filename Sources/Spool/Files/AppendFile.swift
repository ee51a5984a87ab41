/// An open file that is only ever appended to, with its known-good length.
///
/// `append` writes at `length` and advances it; `rollBack(to:)` truncates after a failed
/// batch so no partial write is ever followed by later records. If cutting the bytes off fails
/// too, they are cut off before the next write, which fails if that still cannot be done: a
/// shorter write over them would leave the rest in the middle of the file.
package final class AppendFile {
    package let path: String
    package let fileSystem: any FileSystem
    private let descriptor: Int32
    /// Bytes of the file that are known to be complete.
    package private(set) var length: Int
    /// Bytes beyond `length` that a failed write left and that could not be cut off yet.
    private var staleTail = false
    /// Such bytes were cut off late (by a later write) since ``takeLateCut()`` was last asked.
    private var lateCut = false

    /// Opens (creating if needed, mode 0600) `path` for appending at `length`.
    package init(path: String, length: Int, fileSystem: any FileSystem = PosixFileSystem.shared) throws(SpoolError) {
        self.descriptor = try fileSystem.openForWriting(path)
        self.path = path
        self.fileSystem = fileSystem
        self.length = length
    }

    deinit { fileSystem.close(descriptor) }

    /// Writes all of `bytes` at the end.
    package func append(_ bytes: [UInt8]) throws(SpoolError) {
        try cutStaleTail()
        do {
            try Self.write(bytes, at: length, to: syncTarget)
        } catch {
            // Leave no partial bytes behind.
            if (try? fileSystem.truncate(descriptor, to: length, path: path)) == nil { staleTail = true }
            throw error
        }
        length += bytes.count
    }

    /// Appends `bytes` and syncs the file; on failure they are cut off again (``rollBack(to:)``),
    /// so bytes written later never follow a hole a failed sync may have left.
    package func appendDurably(_ bytes: [UInt8]) throws(SpoolError) {
        let before = length
        do throws(SpoolError) {
            try append(bytes)
            try sync()
        } catch {
            rollBack(to: before)
            throw error
        }
    }

    /// Takes `count` bytes at the end for a write another thread makes
    /// (``write(_:at:to:)``); returns their offset. A failed write is undone by ``rollBack(to:)``.
    package func reserve(_ count: Int) throws(SpoolError) -> Int {
        try cutStaleTail()
        defer { length += count }
        return length
    }

    /// Cuts off, durably, what an earlier failed write left beyond `length`.
    private func cutStaleTail() throws(SpoolError) {
        guard staleTail else { return }
        try fileSystem.truncate(descriptor, to: length, path: path)
        try fileSystem.dataSync(descriptor, path: path)
        staleTail = false
        lateCut = true
    }

    /// Whether bytes a failed write left beyond ``length`` are still to be cut off (keep this
    /// object until then: a new one would take them for data).
    package var hasStaleTail: Bool { staleTail }

    /// Whether bytes a failed write left were cut off only now, by a later write: readers may
    /// have read them ahead meanwhile (the spool writer then bumps the rollback generation).
    package func takeLateCut() -> Bool {
        defer { lateCut = false }
        return lateCut
    }

    /// Writes all of `bytes` at `offset` of `target`'s file (a reservation of ``reserve(_:)``).
    package static func write(_ bytes: [UInt8], at offset: Int, to target: ParallelSync.Target) throws(SpoolError) {
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(SpoolError) in
                try target.fileSystem.write(target.descriptor, buffer, at: offset, path: target.path)
            }
        }.get()
    }

    /// Makes the written data durable (`fdatasync`).
    package func sync() throws(SpoolError) {
        try ParallelSync.dataSync(syncTarget)
    }

    /// What ``ParallelSync`` needs to sync this file with others.
    package var syncTarget: ParallelSync.Target {
        ParallelSync.Target(descriptor: descriptor, path: path, fileSystem: fileSystem)
    }

    /// Truncates back to `length` after a failed batch, and syncs the truncation (or, failing
    /// that, before the next write).
    package func rollBack(to length: Int) {
        guard length < self.length || length == 0 || staleTail else { return }
        self.length = length
        staleTail = true
        do throws(SpoolError) {
            try cutStaleTail()
        } catch {
            // Until they can be cut off, the bytes are zeroed (no new space needed): a restart
            // that finds them in the page cache reads a torn tail, not records of a failed batch.
            let end = fileSystem.length(of: descriptor)
            if end > length {
                let zeros = [UInt8](repeating: 0, count: end - length)
                try? Self.write(zeros, at: length, to: syncTarget)
            }
        }
        lateCut = false
    }
}
