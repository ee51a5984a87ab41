import Glibc
import SimulatedDisk

/// One operation of the spool's model test. Every choice is in the step itself (route and event
/// numbers, counts, outcomes), so a sequence replays identically, and removing steps from a
/// failing sequence still gives a meaningful sequence (shrinking). Route numbers are taken modulo
/// the routes that exist when the step runs.
enum ModelStep: Equatable, CustomStringConvertible {
    /// How an attempt to deliver a record ends.
    enum Outcome: String, Equatable {
        /// The sink answered 2xx: delivered.
        case ok
        /// A permanent failure: dead-lettered.
        case dead
        /// Still in flight: neither acknowledged nor dead yet.
        case hold
    }

    /// How the process stops before it starts again.
    enum Restart: String, Equatable {
        /// Graceful: acknowledgements flushed, deferred dedupe entries synced.
        case clean
        /// `kill -9`: the page cache survives.
        case kill
        /// Power cut: only synced bytes and names survive.
        case powerCut
        /// Power cut that keeps a random prefix of each file's unsynced appended bytes.
        case tornPowerCut
    }

    struct Event: Equatable, CustomStringConvertible {
        var id: Int
        var routes: [Int]

        var description: String { ".init(id: \(id), routes: \(routes))" }
    }

    /// Events arrive (each: deduped, routed by the table now, queued to the writer).
    case submit([Event])
    /// The writer performs what is queued (one group commit).
    case commit
    /// A route's worker settles up to `count` records (those it holds first) with `outcome`.
    case deliver(route: Int, count: Int, outcome: Outcome)
    /// A route's worker flushes its acknowledgements (and deletes delivered segments).
    case flush(route: Int)
    /// A route's worker, out of space, asks the writer to retire its drained tail.
    case reclaim(route: Int)
    /// Up to `count` of a route's dead letters are replayed.
    case replay(route: Int, count: Int)
    /// A route is added (a known name again, or a new one).
    case addRoute(Int)
    /// A route is removed from the table; its worker drains.
    case removeRoute(Int)
    /// Drained workers of removed routes stop.
    case reap
    /// The disk holds at most what it holds now plus `headroom` bytes (nil: no limit).
    case capacity(headroom: Int?)
    /// The `skip + 1`-th next call of `operation` fails with `errno`.
    case fail(SimulatedDisk.Operation, errno: Int32, skip: Int)
    /// The process crashes at the `calls + 1`-th next file call; it restarts (kill) at the next step.
    case crash(afterCalls: Int)
    /// The process stops and starts again.
    case restart(Restart)
    /// Time passes.
    case tick(millis: Int64)

    var description: String {
        switch self {
        case .submit(let events): return ".submit([\(events.map(\.description).joined(separator: ", "))])"
        case .commit: return ".commit"
        case .deliver(let route, let count, let outcome):
            return ".deliver(route: \(route), count: \(count), outcome: .\(outcome.rawValue))"
        case .flush(let route): return ".flush(route: \(route))"
        case .reclaim(let route): return ".reclaim(route: \(route))"
        case .replay(let route, let count): return ".replay(route: \(route), count: \(count))"
        case .addRoute(let index): return ".addRoute(\(index))"
        case .removeRoute(let index): return ".removeRoute(\(index))"
        case .reap: return ".reap"
        case .capacity(let headroom): return ".capacity(headroom: \(headroom.map(String.init) ?? "nil"))"
        case .fail(let operation, let code, let skip):
            return ".fail(.\(operation.rawValue), errno: \(code == ENOSPC ? "ENOSPC" : "EIO"), skip: \(skip))"
        case .crash(let calls): return ".crash(afterCalls: \(calls))"
        case .restart(let kind): return ".restart(.\(kind.rawValue))"
        case .tick(let millis): return ".tick(millis: \(millis))"
        }
    }
}
