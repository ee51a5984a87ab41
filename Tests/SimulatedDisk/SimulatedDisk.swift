import Foundation
import Spool
import Synchronization

/// A simulated disk behind the storage's ``FileSystem`` seam, for deterministic tests of the
/// spool, the dedupe log and the dead letters (in the manner of LazyFS, and of FoundationDB's
/// and TigerBeetle's simulated storage):
///
/// - written bytes and new names are kept apart from what is durable; ``restart(powerCut:tornWrites:)``
///   with a power cut drops everything not synced (optionally keeping a random part of what was
///   appended, as a torn write);
/// - any call can be made to fail with `ENOSPC` or `EIO` (``fail(_:errno:pathContains:skip:)``),
///   and a ``capacity`` makes writes that do not fit fail with `ENOSPC` after a short write;
/// - ``crash(afterCalls:)`` crashes the "process" at a chosen call: that call and every later one
///   fail with `EIO` and change nothing, until ``restart(powerCut:tornWrites:)``;
/// - a failed `fdatasync` is final, as on Linux: the bytes it should have saved never reach the
///   disk through a later sync;
/// - ``hold(_:pathContains:)`` makes matching calls wait until ``releaseHeld()`` (a hung disk).
///
/// Thread-safe. Paths are absolute.
package final class SimulatedDisk: FileSystem {
    /// The calls that can fail, crash or be held.
    package enum Operation: String, Sendable, CaseIterable {
        case open, write, read, sync, truncate, makeDirectory, syncDirectory, remove, rename
    }

    struct Fault {
        var operation: Operation
        var pathContains: String?
        var skip: Int
        var errno: Int32
    }

    struct State {
        var model = DiskModel()
        var capacity: Int?
        var faults: [Fault] = []
        var crashCountdown: Int?
        var crashed = false
        var calls = 0
        var held: [(operation: Operation, pathContains: String?)] = []
        var waiting = 0
        var journal: [String]?
        var sparing = 0
        var callsSinceFailedSync: Int?
        var stoppedAfterFailedSync = false
        var bytesRead = 0
    }

    let state = Mutex(State())

    package init() {}

    /// Most bytes all files may hold together (nil: no limit). Writes beyond it fail with `ENOSPC`.
    package var capacity: Int? {
        get { state.withLock { $0.capacity } }
        set { state.withLock { $0.capacity = newValue } }
    }

    /// Bytes the files hold now (named or still open).
    package var used: Int { state.withLock { $0.model.used } }

    /// Bytes read so far.
    package var bytesRead: Int { state.withLock { $0.bytesRead } }

    /// Calls that could fail so far (every call but `close` and the queries).
    package var calls: Int { state.withLock { $0.calls } }

    /// Whether a crash armed by ``crash(afterCalls:)`` has happened.
    package var crashed: Bool { state.withLock { $0.crashed } }

    /// Calls waiting in ``hold(_:pathContains:)`` now.
    package var waitingCalls: Int { state.withLock { $0.waiting } }

    /// Makes the `skip + 1`-th next `operation` (on a path containing `pathContains`) fail with `errno`.
    package func fail(_ operation: Operation, errno: Int32, pathContains: String? = nil, skip: Int = 0) {
        state.withLock {
            $0.faults.append(Fault(operation: operation, pathContains: pathContains, skip: skip, errno: errno))
        }
    }

    /// Crashes at the `calls + 1`-th next call (0: the next one).
    package func crash(afterCalls calls: Int) {
        state.withLock { $0.crashCountdown = calls }
    }

    /// A crash that would come within this many calls after a failed sync waits until they are
    /// over. Nothing can tell, after a restart, which pages a failed `fdatasync` dropped (Linux
    /// reports the error once, to the process that died), so a crash there is a loss no code can
    /// prevent; the relay's own reaction to the failure (cutting the bytes off) takes a few calls.
    package var crashSparingAfterFailedSync: Int {
        get { state.withLock { $0.sparing } }
        set { state.withLock { $0.sparing = newValue } }
    }

    /// Whether the "process" stopped (a restart) within ``crashSparingAfterFailedSync`` calls of a
    /// failed sync: what that sync dropped may since have been read as if it were on disk.
    package var stoppedAfterFailedSync: Bool { state.withLock { $0.stoppedAfterFailedSync } }

    /// Clears armed faults and a crash not yet reached.
    package func disarm() {
        state.withLock { state in
            state.faults = []
            state.crashCountdown = nil
        }
    }

    /// Makes matching calls wait until ``releaseHeld()``.
    package func hold(_ operation: Operation, pathContains: String? = nil) {
        state.withLock { $0.held.append((operation, pathContains)) }
    }

    /// Lets held calls go on.
    package func releaseHeld() {
        state.withLock { $0.held = [] }
    }

    /// A new "process" on the same disk: every descriptor is closed. Without a power cut the
    /// page cache survives (`kill -9`); with one, only synced bytes and names do, plus, with
    /// `tornWrites`, a random share of each file's unsynced appended bytes.
    package func restart(powerCut: Bool, tornWrites: ((Int) -> Double)? = nil) {
        state.withLock { state in
            if let since = state.callsSinceFailedSync, since <= state.sparing { state.stoppedAfterFailedSync = true }
            if powerCut {
                state.model.powerCut(keepUnsynced: tornWrites ?? { _ in 0 })
            } else {
                state.model.dropHandles()
            }
            state.crashed = false
            state.crashCountdown = nil
        }
    }

    /// The current bytes of the file at `path` (nil: no such file).
    package func contents(_ path: String) -> [UInt8]? {
        state.withLock { state in
            guard case .file(let inode)? = state.model.entry(path) else { return nil }
            return state.model.inodes[inode]?.current
        }
    }

    /// Makes `path` and its parents, durable at once (the test's starting point).
    package func prepareDirectory(_ path: String) {
        state.withLock { state in
            var current = ""
            for component in path.split(separator: "/") {
                let parent = current.isEmpty ? "/" : current
                current += "/" + component
                _ = try? state.model.makeDirectory(current)
                let names = state.model.directories[parent]?.current ?? [:]
                state.model.directories[parent]?.durable = names
            }
        }
    }

    /// Starts (or stops) keeping a line per call, to read a failing sequence.
    package func keepJournal(_ keep: Bool) { state.withLock { $0.journal = keep ? [] : nil } }

    /// The calls kept since the last time this was asked, and their failures.
    package func takeJournal() -> [String] {
        state.withLock { state in
            defer { if state.journal != nil { state.journal = [] } }
            return state.journal ?? []
        }
    }

    /// Counts the call, then crashes, fails or holds it as armed.
    func check(_ operation: Operation, _ path: String) throws(SpoolError) {
        do throws(SpoolError) {
            try decide(operation, path)
            state.withLock { $0.journal?.append("\(operation.rawValue) \(path)") }
        } catch {
            state.withLock { $0.journal?.append("\(operation.rawValue) \(path) FAILED: \(error.message)") }
            throw error
        }
    }

    func decide(_ operation: Operation, _ path: String) throws(SpoolError) {
        while true {
            let wait: Bool = state.withLock { state in
                let matches = state.held.contains { $0.operation == operation && Self.path(path, has: $0.pathContains) }
                if matches { state.waiting += 1 }
                return matches
            }
            guard wait else { break }
            usleep(1000)
            state.withLock { $0.waiting -= 1 }
        }
        let failure: SpoolError? = state.withLock { state in
            state.calls += 1
            if state.crashed { return DiskModel.fail(operation.rawValue, path, EIO) }
            if let since = state.callsSinceFailedSync { state.callsSinceFailedSync = since + 1 }
            let spared = state.callsSinceFailedSync.map { $0 <= state.sparing } ?? false
            if let countdown = state.crashCountdown {
                if countdown == 0, !spared {
                    state.crashed = true
                    state.crashCountdown = nil
                    return DiskModel.fail(operation.rawValue, path, EIO)
                }
                state.crashCountdown = max(0, countdown - 1)
            }
            guard
                let index = state.faults.firstIndex(where: {
                    $0.operation == operation && Self.path(path, has: $0.pathContains)
                })
            else { return nil }
            if state.faults[index].skip > 0 {
                state.faults[index].skip -= 1
                return nil
            }
            let fault = state.faults.remove(at: index)
            if operation == .sync { state.callsSinceFailedSync = 0 }
            return DiskModel.fail(operation.rawValue, path, fault.errno)
        }
        if let failure { throw failure }
    }

    static func path(_ path: String, has part: String?) -> Bool {
        guard let part else { return true }
        return path.contains(part)
    }

    func locked<T>(_ body: (inout DiskModel) throws(SpoolError) -> T) throws(SpoolError) -> T {
        try state.withLock { state throws(SpoolError) in try body(&state.model) }
    }
}
