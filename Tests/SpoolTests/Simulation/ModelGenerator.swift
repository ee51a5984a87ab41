import Glibc
import RelayCore
import SimulatedDisk

/// Random step sequences for the spool's model test, from a seed.
struct ModelGenerator {
    private var random: SeededRandom
    private var nextEvent = 1

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    private mutating func below(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }

    /// A sequence of `count` steps.
    mutating func steps(_ count: Int) -> [ModelStep] {
        (0..<count).map { _ in step() }
    }

    private mutating func event() -> ModelStep.Event {
        // Mostly new events; some are Moda's retries of earlier ones.
        let id: Int
        if nextEvent > 1, below(10) < 3 {
            id = 1 + below(nextEvent - 1)
        } else {
            id = nextEvent
            nextEvent += 1
        }
        return .init(id: id, routes: (0..<(1 + below(3))).map { _ in below(4) })
    }

    private mutating func step() -> ModelStep {
        let roll = below(1000)
        switch roll {
        case 0..<230: return .submit((0..<(1 + below(4))).map { _ in event() })
        case 230..<430: return .commit
        case 430..<630:
            let outcome: ModelStep.Outcome = [.ok, .ok, .ok, .ok, .dead, .hold][below(6)]
            return .deliver(route: below(4), count: 1 + below(6), outcome: outcome)
        case 630..<710: return .flush(route: below(4))
        case 710..<740: return .reclaim(route: below(4))
        case 740..<770: return .replay(route: below(4), count: 1 + below(3))
        case 770..<790: return .addRoute(below(5))
        case 790..<805: return .removeRoute(below(4))
        case 805..<825: return .reap
        case 825..<865: return .capacity(headroom: below(3) == 0 ? nil : below(4000))
        case 865..<915:
            let operations: [SimulatedDisk.Operation] = [
                .write, .sync, .syncDirectory, .rename, .remove, .open, .truncate,
            ]
            return .fail(operations[below(operations.count)], errno: below(3) == 0 ? EIO : ENOSPC, skip: below(4))
        case 915..<945: return .crash(afterCalls: below(40))
        case 945..<990:
            let kinds: [ModelStep.Restart] = [.clean, .kill, .kill, .powerCut, .tornPowerCut]
            return .restart(kinds[below(kinds.count)])
        default: return .tick(millis: Int64(1 + below(900_000)))
        }
    }
}
