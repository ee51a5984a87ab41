/// Whole-file helpers built on the ``FileSystem`` calls.
extension FileSystem {
    /// Makes `path` and any missing parents (mode 0700). Each directory made is synced into its
    /// parent, so that files later synced inside it survive a power cut; so is `path` itself when
    /// it already existed, since an earlier call may have made it and failed to sync it.
    package func makeDirectories(_ path: String) throws(SpoolError) {
        var current = path.hasPrefix("/") ? "" : "."
        let components = path.split(separator: "/")
        for (index, component) in components.enumerated() {
            let parent = current.isEmpty ? "/" : current
            current += "/" + component
            if try makeDirectory(current) || index == components.count - 1 { try syncDirectory(parent) }
        }
    }

    /// The size of the file at `path`, or 0 if there is none.
    package func size(_ path: String) -> Int { size(atPath: path) ?? 0 }

    /// The whole content of a file.
    package func readAll(_ path: String) throws(SpoolError) -> [UInt8] {
        let fd = try openForReading(path)
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let offset = out.count
            let n = try chunk.withUnsafeMutableBytes { buffer in
                Result { () throws(SpoolError) in try read(fd, into: buffer, at: offset, path: path) }
            }.get()
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// The first `count` bytes of a file (fewer if it is shorter).
    package func readPrefix(_ path: String, count: Int) throws(SpoolError) -> [UInt8] {
        let fd = try openForReading(path)
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: count)
        let n = try bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(SpoolError) in try read(fd, into: buffer, at: 0, path: path) }
        }.get()
        return Array(bytes.prefix(n))
    }

    /// Makes the bytes of the file at `path` durable, whoever wrote them.
    package func syncFile(_ path: String) throws(SpoolError) {
        let fd = try openForReading(path)
        defer { close(fd) }
        try dataSync(fd, path: path)
    }

    /// Cuts the file at `path` to `length` bytes and syncs it.
    package func truncateFile(_ path: String, to length: Int) throws(SpoolError) {
        let fd = try openForWriting(path)
        defer { close(fd) }
        try truncate(fd, to: length, path: path)
        try dataSync(fd, path: path)
    }
}
