#if canImport(Glibc)
    import Glibc
#endif

/// Notices changes in the routes directory by polling: the names, sizes, modification times
/// and inodes of its `*.yaml`/`*.yml` files (following symlinks, so a Kubernetes ConfigMap's
/// swapped `..data` link counts as a change).
///
/// A change is reported once it has held still for one poll, so a reload never reads a file
/// an editor is halfway through writing.
struct RoutesWatcher {
    struct Fingerprint: Equatable {
        var files: [String: [Int]]
    }

    let directory: String
    private var applied: Fingerprint
    private var pending: Fingerprint?

    init(directory: String) {
        self.directory = directory
        applied = Self.fingerprint(directory)
    }

    /// True when the directory changed and has been stable since the previous poll.
    mutating func poll() -> Bool {
        let now = Self.fingerprint(directory)
        if now == applied {
            pending = nil
            return false
        }
        if now == pending {
            applied = now
            pending = nil
            return true
        }
        pending = now
        return false
    }

    /// The current state counts as applied (after a reload by signal).
    mutating func acceptCurrent() {
        applied = Self.fingerprint(directory)
        pending = nil
    }

    static func fingerprint(_ directory: String) -> Fingerprint {
        var files: [String: [Int]] = [:]
        guard let stream = opendir(directory) else { return Fingerprint(files: [:]) }
        defer { closedir(stream) }
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            guard name.hasSuffix(".yaml") || name.hasSuffix(".yml") else { continue }
            var info = stat()
            guard stat(directory + "/" + name, &info) == 0 else {
                files[name] = [-1]
                continue
            }
            files[name] = [
                Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec), Int(info.st_ino),
            ]
        }
        return Fingerprint(files: files)
    }
}
