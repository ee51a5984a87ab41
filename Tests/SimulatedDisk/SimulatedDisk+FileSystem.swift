import Foundation
import Spool
import Synchronization

/// The `FileSystem` calls, each checked against the armed faults, then applied to the model.
extension SimulatedDisk {
    package func openForWriting(_ path: String) throws(SpoolError) -> Int32 {
        try check(.open, path)
        return try locked { model throws(SpoolError) in try model.open(path, create: true) }
    }

    package func openForReading(_ path: String) throws(SpoolError) -> Int32 {
        try check(.open, path)
        return try locked { model throws(SpoolError) in try model.open(path, create: false) }
    }

    package func close(_ descriptor: Int32) {
        state.withLock { $0.model.close(descriptor) }
    }

    package func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String)
        throws(SpoolError)
    {
        try check(.write, path)
        let copy = [UInt8](bytes)
        try state.withLock { state throws(SpoolError) in
            try state.model.write(descriptor, copy, at: offset, path: path, capacity: state.capacity)
        }
    }

    package func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String)
        throws(SpoolError) -> Int
    {
        try check(.read, path)
        let bytes = try locked { model throws(SpoolError) in
            try model.read(descriptor, count: buffer.count, at: offset, path: path)
        }
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
        state.withLock { $0.bytesRead += bytes.count }
        return bytes.count
    }

    package func length(of descriptor: Int32) -> Int {
        state.withLock { state in
            guard let inode = state.model.handles[descriptor]?.inode else { return 0 }
            return state.model.inodes[inode]?.current.count ?? 0
        }
    }

    package func dataSync(_ descriptor: Int32, path: String) throws(SpoolError) {
        do throws(SpoolError) {
            try check(.sync, path)
        } catch {
            // A sync that failed drops its pages; a process killed during a sync leaves them
            // dirty, and a later sync still saves them.
            state.withLock { state in if !state.crashed { state.model.failSync(descriptor, path: path) } }
            throw error
        }
        try locked { model throws(SpoolError) in try model.sync(descriptor, path: path) }
    }

    package func truncate(_ descriptor: Int32, to length: Int, path: String) throws(SpoolError) {
        try check(.truncate, path)
        try locked { model throws(SpoolError) in try model.truncate(descriptor, to: length, path: path) }
    }

    package func size(atPath path: String) -> Int? {
        state.withLock { state in
            guard case .file(let inode)? = state.model.entry(path) else { return nil }
            return state.model.inodes[inode]?.current.count
        }
    }

    package func makeDirectory(_ path: String) throws(SpoolError) -> Bool {
        try check(.makeDirectory, path)
        return try locked { model throws(SpoolError) in try model.makeDirectory(path) }
    }

    package func syncDirectory(_ path: String) throws(SpoolError) {
        try check(.syncDirectory, path)
        try locked { model throws(SpoolError) in try model.syncDirectory(path) }
    }

    package func list(_ path: String) -> [String] {
        state.withLock { ($0.model.directories[path]?.current.keys).map { Array($0).sorted() } ?? [] }
    }

    package func remove(_ path: String) throws(SpoolError) {
        try check(.remove, path)
        try locked { model throws(SpoolError) in try model.remove(path) }
    }

    package func rename(_ from: String, to: String) throws(SpoolError) {
        try check(.rename, from)
        try locked { model throws(SpoolError) in try model.rename(from, to: to) }
    }

    package func isWritableDirectory(_ path: String) -> Bool {
        state.withLock { $0.model.directories[path] != nil }
    }
}

extension SimulatedDisk {
    /// Every file and its length, for reading a failing sequence.
    package func listing(_ root: String) -> [String] {
        var out: [String] = []
        var pending = [root]
        while let directory = pending.popLast() {
            for name in list(directory) {
                let path = directory + "/" + name
                if let size = size(atPath: path) { out.append("\(path) \(size)") } else { pending.append(path) }
            }
        }
        return out.sorted()
    }
}
