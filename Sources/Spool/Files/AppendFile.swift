/// An open file that is only ever appended to, with its known-good length.
///
/// `append` writes at `length` and advances it; `rollBack(to:)` truncates after a failed
/// batch so no partial write is ever followed by later records.
package final class AppendFile {
    package let path: String
    package let fileSystem: any FileSystem
    private let descriptor: Int32
    /// Bytes of the file that are known to be complete.
    package private(set) var length: Int

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
        do {
            try Self.write(bytes, at: length, to: syncTarget)
        } catch {
            // Leave no partial bytes behind.
            try? fileSystem.truncate(descriptor, to: length, path: path)
            throw error
        }
        length += bytes.count
    }

    /// Takes `count` bytes at the end for a write another thread makes
    /// (``write(_:at:to:)``); returns their offset. A failed write is undone by ``rollBack(to:)``.
    package func reserve(_ count: Int) -> Int {
        defer { length += count }
        return length
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

    /// Truncates back to `length` after a failed batch, and syncs the truncation.
    package func rollBack(to length: Int) {
        guard length < self.length || length == 0 else { return }
        try? fileSystem.truncate(descriptor, to: length, path: path)
        try? fileSystem.dataSync(descriptor, path: path)
        self.length = length
    }
}
