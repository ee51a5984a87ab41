import Foundation
import RelayTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A real, small filesystem (tmpfs) mounted for one test, to fill the disk for real. Mounting
/// needs root, as CI runs; elsewhere the tests that need it are not run (see ``isAvailable``).
final class SmallFilesystem {
    let path: String

    /// Whether this process may mount filesystems.
    static var isAvailable: Bool { geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount") }

    init(megabytes: Int) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("small-fs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let status = try Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0700", "tmpfs", path])
        guard status == 0 else {
            throw RawConnection.Failure(description: "mount -t tmpfs failed with status \(status)")
        }
    }

    /// Bytes still free.
    var freeBytes: Int {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return 0 }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }

    /// Mounts a read-only view of `directory` over itself (a bind mount), so even root cannot
    /// create files in it; files already open keep working. Returns the undo.
    static func bindReadOnly(_ directory: String) throws -> () -> Void {
        for arguments in [["--bind", directory, directory], ["-o", "remount,bind,ro", directory]] {
            let status = try run("/bin/mount", arguments)
            guard status == 0 else {
                throw RawConnection.Failure(description: "mount \(arguments) failed with status \(status)")
            }
        }
        return { _ = try? run("/bin/umount", [directory]) }
    }

    /// Unmounts (lazily, so open files do not block it) and removes the mount point.
    func unmount() {
        _ = try? Self.run("/bin/umount", ["-l", path])
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
        try ChildProcess.run(tool, arguments).status
    }
}
