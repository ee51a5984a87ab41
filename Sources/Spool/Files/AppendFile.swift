#if canImport(Glibc)
    import Glibc
#endif

/// An open file that is only ever appended to, with its known-good length.
///
/// `append` writes at `length` and advances it; `rollBack(to:)` truncates after a failed
/// batch so no partial write is ever followed by later records.
package final class AppendFile {
    package let path: String
    private let descriptor: Int32
    /// Bytes of the file that are known to be complete.
    package private(set) var length: Int

    /// Opens (creating if needed, mode 0600) `path` for appending at `length`.
    package init(path: String, length: Int) throws(SpoolError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SpoolError.posix("open", path: path, errno: errno) }
        self.path = path
        self.descriptor = fd
        self.length = length
    }

    deinit { close(descriptor) }

    /// Writes all of `bytes` at the end.
    package func append(_ bytes: [UInt8]) throws(SpoolError) {
        do {
            try Self.write(bytes, at: length, to: syncTarget)
        } catch {
            // Leave no partial bytes behind.
            _ = ftruncate(descriptor, off_t(length))
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
        var written = 0
        let failure: SpoolError? = bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let n = pwrite(
                    target.descriptor, buffer.baseAddress! + written, buffer.count - written, off_t(offset + written))
                if n < 0 {
                    if errno == EINTR { continue }
                    return SpoolError.posix("write", path: target.path, errno: errno)
                }
                written += n
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// Makes the written data durable (`fdatasync`).
    package func sync() throws(SpoolError) {
        try ParallelSync.dataSync(syncTarget)
    }

    /// What ``ParallelSync`` needs to sync this file with others.
    package var syncTarget: ParallelSync.Target { ParallelSync.Target(descriptor: descriptor, path: path) }

    /// Truncates back to `length` after a failed batch, and syncs the truncation.
    package func rollBack(to length: Int) {
        guard length < self.length || length == 0 else { return }
        _ = ftruncate(descriptor, off_t(length))
        _ = fdatasync(descriptor)
        self.length = length
    }
}
