#if canImport(Glibc)
    import Glibc
#endif

/// The real file system: each ``FileSystem`` call is the POSIX call it names, retried on `EINTR`.
package final class PosixFileSystem: FileSystem {
    /// The one instance; it holds no state.
    package static let shared = PosixFileSystem()

    package init() {}

    package func openForWriting(_ path: String) throws(SpoolError) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SpoolError.posix("open", path: path, errno: errno) }
        return fd
    }

    package func openForReading(_ path: String) throws(SpoolError) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SpoolError.posix("open", path: path, errno: errno) }
        return fd
    }

    package func close(_ descriptor: Int32) { _ = Glibc.close(descriptor) }

    package func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String)
        throws(SpoolError)
    {
        var written = 0
        while written < bytes.count {
            let n = pwrite(descriptor, bytes.baseAddress! + written, bytes.count - written, off_t(offset + written))
            if n < 0 {
                if errno == EINTR { continue }
                throw SpoolError.posix("write", path: path, errno: errno)
            }
            written += n
        }
    }

    package func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String)
        throws(SpoolError) -> Int
    {
        var got = 0
        while got < buffer.count {
            let n = pread(descriptor, buffer.baseAddress! + got, buffer.count - got, off_t(offset + got))
            if n < 0 {
                if errno == EINTR { continue }
                throw SpoolError.posix("read", path: path, errno: errno)
            }
            if n == 0 { break }
            got += n
        }
        return got
    }

    package func length(of descriptor: Int32) -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return 0 }
        return Int(info.st_size)
    }

    package func dataSync(_ descriptor: Int32, path: String) throws(SpoolError) {
        while fdatasync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw SpoolError.posix("fdatasync", path: path, errno: errno)
        }
    }

    package func truncate(_ descriptor: Int32, to length: Int, path: String) throws(SpoolError) {
        guard ftruncate(descriptor, off_t(length)) == 0 else {
            throw SpoolError.posix("truncate", path: path, errno: errno)
        }
    }

    package func size(atPath path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    package func makeDirectory(_ path: String) throws(SpoolError) -> Bool {
        if mkdir(path, 0o700) == 0 { return true }
        guard errno == EEXIST else { throw SpoolError.posix("mkdir", path: path, errno: errno) }
        return false
    }

    package func syncDirectory(_ path: String) throws(SpoolError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SpoolError.posix("open directory", path: path, errno: errno) }
        defer { _ = Glibc.close(fd) }
        guard fsync(fd) == 0 else { throw SpoolError.posix("fsync directory", path: path, errno: errno) }
    }

    package func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    package func remove(_ path: String) throws(SpoolError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw SpoolError.posix("unlink", path: path, errno: errno) }
    }

    package func rename(_ from: String, to: String) throws(SpoolError) {
        guard Glibc.rename(from, to) == 0 else { throw SpoolError.posix("rename", path: from, errno: errno) }
    }

    package func isWritableDirectory(_ path: String) -> Bool {
        access(path, W_OK | X_OK) == 0
    }
}
