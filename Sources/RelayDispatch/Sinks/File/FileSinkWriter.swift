import Foundation
import Spool

/// The `file` sink: appends one line per event (the event JSON on one line) to `path`, durably,
/// rotating by size.
///
/// JSON strings cannot contain raw line breaks, so replacing CR and LF bytes with spaces puts
/// any document on one line without changing its meaning. `append` writes a batch and syncs it.
/// When a line would take the file past `maxBytes`, the file rotates: `path` → `path.1` →
/// … → `path.<keep>`, the oldest deleted. Not thread-safe: the sink's worker owns it.
package final class FileSinkWriter {
    package let path: String
    private let maxBytes: Int64
    private let keep: Int
    private var file: AppendFile

    package init(path: String, maxBytes: Int64, keep: Int) throws(SpoolError) {
        self.path = path
        self.maxBytes = maxBytes
        self.keep = keep
        let directory = (path as NSString).deletingLastPathComponent
        try SpoolFiles.makeDirectory(directory.isEmpty ? "." : directory)
        file = try AppendFile(path: path, length: SpoolFiles.size(path))
    }

    /// One line for `body`: its bytes with CR/LF turned into spaces, then a newline.
    package static func line(for body: [UInt8]) -> [UInt8] {
        var out = body.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 }
        out.append(0x0A)
        return out
    }

    /// Appends one line per body and makes them durable before returning.
    package func append(_ bodies: [[UInt8]]) throws(SpoolError) {
        var pending: [UInt8] = []
        for body in bodies {
            let line = Self.line(for: body)
            if Int64(file.length + pending.count + line.count) > maxBytes, file.length + pending.count > 0 {
                try write(pending)
                pending = []
                try rotate()
            }
            pending += line
        }
        try write(pending)
    }

    private func write(_ bytes: [UInt8]) throws(SpoolError) {
        guard !bytes.isEmpty else { return }
        try file.append(bytes)
        try file.sync()
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
        file = try AppendFile(path: path, length: 0)
        let directory = (path as NSString).deletingLastPathComponent
        try SpoolFiles.syncDirectory(directory.isEmpty ? "." : directory)
    }
}
