/// The storage's file helpers on the real file system, for code outside the storage (the file
/// sink, the instance id, readiness) and for tests. The storage itself takes a ``FileSystem``.
package enum SpoolFiles {
    private static var system: PosixFileSystem { PosixFileSystem.shared }

    /// Creates `path` and its parents (mode 0700) if needed.
    package static func makeDirectory(_ path: String) throws(SpoolError) { try system.makeDirectories(path) }

    /// `fsync`s a directory so that files created in it survive a crash.
    package static func syncDirectory(_ path: String) throws(SpoolError) { try system.syncDirectory(path) }

    /// Names in a directory (no `.`/`..`), sorted; empty if it does not exist.
    package static func list(_ path: String) -> [String] { system.list(path) }

    /// The whole content of a file.
    package static func read(_ path: String) throws(SpoolError) -> [UInt8] { try system.readAll(path) }

    /// The first `count` bytes of a file (fewer if it is shorter).
    package static func readPrefix(_ path: String, count: Int) throws(SpoolError) -> [UInt8] {
        try system.readPrefix(path, count: count)
    }

    /// Size of a file in bytes, or 0 if it does not exist.
    package static func size(_ path: String) -> Int { system.size(path) }

    /// Truncates `path` to `length` and syncs it.
    package static func truncate(_ path: String, to length: Int) throws(SpoolError) {
        try system.truncateFile(path, to: length)
    }

    /// Whether the process may create files in `path`.
    package static func isWritableDirectory(_ path: String) -> Bool { system.isWritableDirectory(path) }
}
