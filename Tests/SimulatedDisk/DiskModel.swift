import Spool

#if canImport(Glibc)
    import Glibc
#endif

/// The state of a ``SimulatedDisk``: files (inodes) with what is written and what is durable,
/// directories with the names they hold now and the names that survive a power cut.
///
/// Not thread-safe: ``SimulatedDisk`` locks it.
struct DiskModel {
    struct Inode {
        /// What reads see (the page cache).
        var current: [UInt8] = []
        /// What survives a power cut.
        var durable: [UInt8] = []
        /// Ranges that were dirty when a sync failed: a later sync does not make them durable
        /// (the kernel dropped those pages), unless they are written again.
        var lost: [Range<Int>] = []
        var openHandles = 0
    }

    enum Entry: Equatable {
        case file(Int)
        case directory
    }

    struct Directory {
        var current: [String: Entry] = [:]
        var durable: [String: Entry] = [:]
    }

    struct Handle {
        var inode: Int
        var path: String
    }

    var inodes: [Int: Inode] = [:]
    /// Directories by absolute path; "/" always exists.
    var directories: [String: Directory] = ["/": Directory()]
    var handles: [Int32: Handle] = [:]
    var nextInode = 1
    /// Handles are never reused, so a descriptor of a crashed "process" never names a new file.
    var nextHandle: Int32 = 3

    static func split(_ path: String) -> (parent: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let parent = String(path[..<slash])
        return (parent.isEmpty ? "/" : parent, String(path[path.index(after: slash)...]))
    }

    static func fail(_ operation: String, _ path: String, _ code: Int32) -> SpoolError {
        SpoolError.posix(operation, path: path, errno: code)
    }

    func entry(_ path: String) -> Entry? {
        if path == "/" { return .directory }
        let (parent, name) = Self.split(path)
        return directories[parent]?.current[name]
    }

    /// Bytes held: every file that has a name or an open descriptor.
    var used: Int {
        var live = Set<Int>()
        for directory in directories.values {
            for case .file(let inode) in directory.current.values { live.insert(inode) }
        }
        for handle in handles.values { live.insert(handle.inode) }
        return live.reduce(0) { $0 + (inodes[$1]?.current.count ?? 0) }
    }

    mutating func open(_ path: String, create: Bool) throws(SpoolError) -> Int32 {
        let (parent, name) = Self.split(path)
        guard directories[parent] != nil else { throw Self.fail("open", path, ENOENT) }
        let inode: Int
        switch directories[parent]!.current[name] {
        case .file(let existing)?: inode = existing
        case .directory?: throw Self.fail("open", path, EISDIR)
        case nil:
            guard create else { throw Self.fail("open", path, ENOENT) }
            inode = nextInode
            nextInode += 1
            inodes[inode] = Inode()
            directories[parent]!.current[name] = .file(inode)
        }
        let handle = nextHandle
        nextHandle += 1
        handles[handle] = Handle(inode: inode, path: path)
        inodes[inode]!.openHandles += 1
        return handle
    }

    mutating func close(_ handle: Int32) {
        guard let closed = handles.removeValue(forKey: handle) else { return }
        inodes[closed.inode]?.openHandles -= 1
        collect(closed.inode)
    }

    /// Frees an inode that has no name and no open descriptor.
    mutating func collect(_ inode: Int) {
        guard let node = inodes[inode], node.openHandles == 0 else { return }
        for directory in directories.values {
            if directory.current.values.contains(.file(inode)) || directory.durable.values.contains(.file(inode)) {
                return
            }
        }
        inodes[inode] = nil
    }

    func inode(of handle: Int32, _ operation: String, _ path: String) throws(SpoolError) -> Int {
        guard let found = handles[handle] else { throw Self.fail(operation, path, EBADF) }
        return found.inode
    }

    /// Writes what fits under `capacity`; throws `ENOSPC` after a short write.
    mutating func write(_ handle: Int32, _ bytes: [UInt8], at offset: Int, path: String, capacity: Int?)
        throws(SpoolError)
    {
        let id = try inode(of: handle, "write", path)
        var node = inodes[id]!
        var count = bytes.count
        if let capacity {
            let growth = max(0, offset + bytes.count - node.current.count)
            let room = max(0, capacity - used)
            if growth > room { count = max(0, min(bytes.count, node.current.count + room - offset)) }
        }
        if count > 0 {
            if node.current.count < offset { node.current += [UInt8](repeating: 0, count: offset - node.current.count) }
            let end = offset + count
            if node.current.count < end { node.current += [UInt8](repeating: 0, count: end - node.current.count) }
            node.current.replaceSubrange(offset..<end, with: bytes[0..<count])
            node.lost = node.lost.flatMap { Self.subtract(offset..<end, from: $0) }
        }
        inodes[id] = node
        if count < bytes.count { throw Self.fail("write", path, ENOSPC) }
    }

    static func subtract(_ cut: Range<Int>, from range: Range<Int>) -> [Range<Int>] {
        guard cut.overlaps(range) else { return [range] }
        let before = range.lowerBound..<max(range.lowerBound, cut.lowerBound)
        let after = min(range.upperBound, cut.upperBound)..<range.upperBound
        return [before, after].filter { !$0.isEmpty }
    }

    mutating func read(_ handle: Int32, count: Int, at offset: Int, path: String) throws(SpoolError) -> [UInt8] {
        let node = inodes[try inode(of: handle, "read", path)]!
        guard offset < node.current.count else { return [] }
        return Array(node.current[offset..<min(node.current.count, offset + count)])
    }

    mutating func sync(_ handle: Int32, path: String) throws(SpoolError) {
        let id = try inode(of: handle, "fdatasync", path)
        var node = inodes[id]!
        var durable = node.current
        for range in node.lost {
            for index in range where index < durable.count {
                durable[index] = index < node.durable.count ? node.durable[index] : 0
            }
        }
        node.durable = durable
        node.lost = []
        inodes[id] = node
    }

    /// A failed sync: whatever differs from the disk now will not reach it through a later sync.
    mutating func failSync(_ handle: Int32, path: String) {
        guard let id = handles[handle]?.inode, var node = inodes[id] else { return }
        let common = zip(node.current, node.durable).prefix { $0 == $1 }.count
        if common < node.current.count { node.lost.append(common..<node.current.count) }
        inodes[id] = node
    }

    mutating func truncate(_ handle: Int32, to length: Int, path: String) throws(SpoolError) {
        let id = try inode(of: handle, "truncate", path)
        var node = inodes[id]!
        if length < node.current.count {
            node.current.removeLast(node.current.count - length)
        } else {
            node.current += [UInt8](repeating: 0, count: length - node.current.count)
        }
        node.lost = node.lost.map { $0.clamped(to: 0..<length) }.filter { !$0.isEmpty }
        inodes[id] = node
    }

    mutating func makeDirectory(_ path: String) throws(SpoolError) -> Bool {
        if directories[path] != nil { return false }
        let (parent, name) = Self.split(path)
        guard directories[parent] != nil else { throw Self.fail("mkdir", path, ENOENT) }
        guard directories[parent]!.current[name] == nil else { throw Self.fail("mkdir", path, EEXIST) }
        directories[parent]!.current[name] = .directory
        directories[path] = Directory()
        return true
    }

    mutating func syncDirectory(_ path: String) throws(SpoolError) {
        guard directories[path] != nil else { throw Self.fail("open directory", path, ENOENT) }
        directories[path]!.durable = directories[path]!.current
        for inode in Array(inodes.keys) { collect(inode) }
    }

    mutating func remove(_ path: String) throws(SpoolError) {
        let (parent, name) = Self.split(path)
        guard let entry = directories[parent]?.current[name] else { return }
        guard case .file(let inode) = entry else { throw Self.fail("unlink", path, EISDIR) }
        directories[parent]!.current[name] = nil
        collect(inode)
    }

    mutating func rename(_ from: String, to: String) throws(SpoolError) {
        let (source, name) = Self.split(from)
        guard case .file(let inode)? = directories[source]?.current[name] else {
            throw Self.fail("rename", from, ENOENT)
        }
        let (target, newName) = Self.split(to)
        guard directories[target] != nil else { throw Self.fail("rename", from, ENOENT) }
        let replaced = directories[target]!.current[newName]
        directories[source]!.current[name] = nil
        directories[target]!.current[newName] = .file(inode)
        if case .file(let old)? = replaced { collect(old) }
    }

    /// The process died: descriptors close, the page cache stays.
    mutating func dropHandles() {
        let open = Array(handles.keys)
        for handle in open { close(handle) }
    }

    /// Power is cut: only durable names and bytes remain. With `keepUnsynced`, each file also
    /// keeps that share (0...1) of the bytes appended after its durable end (a torn write).
    mutating func powerCut(keepUnsynced: (Int) -> Double) {
        dropHandles()
        var kept: [String: Directory] = [:]
        var pending = ["/"]
        while let path = pending.popLast() {
            guard var directory = directories[path] else { continue }
            directory.current = directory.durable
            kept[path] = directory
            for (name, entry) in directory.durable where entry == .directory {
                pending.append(path == "/" ? "/" + name : path + "/" + name)
            }
        }
        directories = kept
        var reachable = Set<Int>()
        for directory in kept.values {
            for case .file(let inode) in directory.durable.values { reachable.insert(inode) }
        }
        for id in Array(inodes.keys) {
            guard reachable.contains(id), var node = inodes[id] else {
                inodes[id] = nil
                continue
            }
            var survived = node.durable
            let appended =
                node.current.count > node.durable.count
                && node.current.starts(with: node.durable) && node.lost.isEmpty
            if appended {
                let extra = node.current.count - node.durable.count
                let share = Int((Double(extra) * keepUnsynced(id)).rounded(.down))
                survived += node.current[node.durable.count..<node.durable.count + share]
            }
            node.current = survived
            node.durable = survived
            node.lost = []
            inodes[id] = node
        }
    }
}
