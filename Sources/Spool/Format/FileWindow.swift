/// A window onto a file read with `pread`: the bytes of one chunk (or one large frame) at a time.
final class FileWindow {
    let path: String
    let fileSystem: any FileSystem
    private let descriptor: Int32
    private let chunk: Int
    private var buffer: [UInt8] = []
    private var start = 0

    init(path: String, chunk: Int, fileSystem: any FileSystem = PosixFileSystem.shared) throws(SpoolError) {
        self.descriptor = try fileSystem.openForReading(path)
        self.path = path
        self.fileSystem = fileSystem
        self.chunk = max(chunk, 64)
    }

    deinit { fileSystem.close(descriptor) }

    /// The file's size now.
    var size: Int { fileSystem.length(of: descriptor) }

    /// Bytes `[offset, offset + count)`, or nil if the file is shorter (so far).
    func bytes(_ offset: Int, _ count: Int) throws(SpoolError) -> ArraySlice<UInt8>? {
        if offset >= start, offset + count <= start + buffer.count {
            return buffer[(offset - start)..<(offset - start + count)]
        }
        let want = max(chunk, count)
        var fresh = [UInt8](repeating: 0, count: want)
        let got = try fresh.withUnsafeMutableBytes { raw in
            Result { () throws(SpoolError) in try fileSystem.read(descriptor, into: raw, at: offset, path: path) }
        }.get()
        fresh.removeLast(want - got)
        buffer = fresh
        start = offset
        guard got >= count else { return nil }
        return buffer[0..<count]
    }

    /// Forgets what was read.
    func discard() {
        buffer = []
        start = 0
    }
}
