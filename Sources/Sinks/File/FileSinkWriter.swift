import Foundation
import Spool

#if canImport(Glibc)
    import Glibc
#endif

/// The `file` sink: appends one line per event (the event JSON on one line) to `path`, durably,
/// rotating by size.
///
/// JSON strings cannot contain raw line breaks, so replacing CR and LF bytes with spaces puts
/// any document on one line without changing its meaning. `append` writes a batch with one
/// `write(2)` on an `O_APPEND` descriptor and syncs it, so lines land at the file's real end
/// even when something else changed it (logrotate's `copytruncate`, another writer). If the
/// write or the sync fails, the batch's bytes are cut off again (when nothing was appended after
/// them) and the error is thrown, so the retry does not leave a second copy behind a torn one.
/// When a line would take the file past `maxBytes`, the file rotates: `path` → `path.1` → … →
/// `path.<keep>`, the oldest deleted. Not thread-safe: the sink's worker owns it.
package final class FileSinkWriter {
    package let path: String
    private let maxBytes: Int64
    private let keep: Int
    private var descriptor: Int32
    /// `fdatasync`; a test can make it fail to check the rollback.
    private let syncDescriptor: (Int32) -> Int32

    package init(path: String, maxBytes: Int64, keep: Int, sync: @escaping (Int32) -> Int32 = { fdatasync($0) })
        throws(SpoolError)
    {
        self.path = path
        self.maxBytes = maxBytes
        self.keep = keep
        self.syncDescriptor = sync
        let directory = (path as NSString).deletingLastPathComponent
        try SpoolFiles.makeDirectory(directory.isEmpty ? "." : directory)
        descriptor = try Self.open(path)
    }

    deinit { close(descriptor) }

    /// One line for `body`: its bytes with CR/LF turned into spaces, then a newline.
    package static func line(for body: [UInt8]) -> [UInt8] {
        var out = body.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 }
        out.append(0x0A)
        return out
    }

    /// Appends one line per body and makes them durable before returning.
    package func append(_ bodies: [[UInt8]]) throws(SpoolError) {
        var pending: [UInt8] = []
        var size = try currentSize()
        for body in bodies {
            let line = Self.line(for: body)
            if size + Int64(pending.count + line.count) > maxBytes, size + Int64(pending.count) > 0 {
                try write(pending)
                pending = []
                try rotate()
                size = 0
            }
            pending += line
        }
        try write(pending)
    }

    private static func open(_ path: String) throws(SpoolError) -> Int32 {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SpoolError.posix("open", path: path, errno: errno) }
        return fd
    }

    /// The file's size now (not a cached offset: the file may have been truncated meanwhile).
    private func currentSize() throws(SpoolError) -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw SpoolError.posix("fstat", path: path, errno: errno) }
        return Int64(info.st_size)
    }

    private func write(_ bytes: [UInt8]) throws(SpoolError) {
        guard !bytes.isEmpty else { return }
        var written = 0
        var end: off_t = -1
        var failure: SpoolError?
        bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let n = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = SpoolError.posix("write", path: path, errno: errno)
                    return
                }
                written += n
                end = lseek(descriptor, 0, SEEK_CUR)
            }
        }
        if failure == nil, syncDescriptor(descriptor) != 0 {
            failure = SpoolError.posix("fdatasync", path: path, errno: errno)
        }
        if let failure {
            rollBack(end: end, count: written)
            throw failure
        }
    }

    /// Cuts off the `count` bytes this writer just wrote, ending at `end`, if they are still the
    /// file's last bytes; a sync that failed may have lost them, and the retry writes them again.
    private func rollBack(end: off_t, count: Int) {
        guard count > 0, end >= off_t(count), (try? currentSize()) == Int64(end) else { return }
        _ = ftruncate(descriptor, end - off_t(count))
        _ = fdatasync(descriptor)
    }

    private func rotate() throws(SpoolError) {
        let manager = FileManager.default
        if keep == 0 {
            try? manager.removeItem(atPath: path)
        } else {
            try? manager.removeItem(atPath: "\(path).\(keep)")
            for index in stride(from: keep - 1, through: 1, by: -1) where manager.fileExists(atPath: "\(path).\(index)")
            {
                try? manager.moveItem(atPath: "\(path).\(index)", toPath: "\(path).\(index + 1)")
            }
            if rename(path, "\(path).1") != 0 { throw SpoolError.posix("rename", path: path, errno: errno) }
        }
        let fresh = try Self.open(path)
        close(descriptor)
        descriptor = fresh
        let directory = (path as NSString).deletingLastPathComponent
        try SpoolFiles.syncDirectory(directory.isEmpty ? "." : directory)
    }
}
