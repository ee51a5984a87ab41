import Foundation
import Spool

#if canImport(Glibc)
    import Glibc
#endif

/// A scratch directory for harnesses that read files: one per process, in memory when /dev/shm
/// is there, emptied before each input.
public enum Scratch {
    public static let root: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = base + "/moda-relay-fuzz-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// Empties `relative` under the root (its files; harnesses make no subdirectories in it)
    /// and returns its path. Plain syscalls: this runs for every input.
    public static func fresh(_ relative: String) -> String {
        let path = root + "/" + relative
        if let directory = opendir(path) {
            var names: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
                }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(directory)
            for name in names { unlink(path + "/" + name) }
        } else {
            try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        return path
    }

    /// Writes `bytes` to `path`.
    public static func write(_ bytes: UnsafeRawBufferPointer, to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        var written = 0
        while written < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + written, bytes.count - written)
            if n <= 0 { break }
            written += n
        }
        close(fd)
    }

    /// A harness's own check failed: a logic bug, reported as a crash.
    public static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("invariant broken: \(message)\n".utf8))
        abort()
    }
}
