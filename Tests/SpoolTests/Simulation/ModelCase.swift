import Glibc
import SimulatedDisk

/// One model-test case: the spool's settings and a step sequence. A failing case shrinks to a
/// short one, printed as Swift source to paste into `SpoolModelRegressionTests`.
struct ModelCase: CustomStringConvertible {
    var seed: UInt64
    var segmentBytes: Int
    var maxSpoolBytes: Int
    var steps: [ModelStep]

    /// The case of `seed`: settings and 40-240 steps chosen from it.
    static func random(seed: UInt64) -> ModelCase {
        var generator = ModelGenerator(seed: seed)
        let segmentBytes = [256, 1024][Int(seed % 2)]
        let caps = [2 * segmentBytes, 8 * segmentBytes, 1 << 30]
        let cap = caps[Int((seed / 2) % 3)]
        let count = 40 + Int((seed &* 2_654_435_761) % 200)
        return ModelCase(seed: seed, segmentBytes: segmentBytes, maxSpoolBytes: cap, steps: generator.steps(count))
    }

    /// Runs the case on a fresh disk; the first broken promise, and the run's figures.
    func run(tracing: Bool = false) -> (violation: ModelRun.Violation?, statistics: ModelRun.Statistics) {
        let run = ModelRun(seed: seed, segmentBytes: segmentBytes, maxSpoolBytes: maxSpoolBytes)
        run.tracing = tracing
        run.disk.keepJournal(tracing)
        let violation = run.run(steps)
        return (violation, run.statistics)
    }

    /// The shortest case found that still breaks the promise of `kind`: chunks of steps removed
    /// (delta debugging), then each step made simpler, until nothing more can go.
    func shrunk(keeping kind: ModelRun.Violation.Kind, budget: Int = 4000) -> ModelCase {
        var current = self
        var runs = 0
        func fails(_ steps: [ModelStep]) -> Bool {
            runs += 1
            var candidate = current
            candidate.steps = steps
            return candidate.run().violation?.kind == kind
        }
        if let at = run().violation?.step, at + 1 < steps.count, fails(Array(steps.prefix(at + 1))) {
            current.steps = Array(steps.prefix(at + 1))
        }
        var changed = true
        while changed && runs < budget {
            changed = false
            var chunk = max(1, current.steps.count / 2)
            while chunk >= 1 && runs < budget {
                var index = 0
                var removed = false
                while index < current.steps.count && runs < budget {
                    let candidate = Array(
                        current.steps[..<index] + current.steps[min(current.steps.count, index + chunk)...])
                    if fails(candidate) {
                        current.steps = candidate
                        removed = true
                        changed = true
                    } else {
                        index += chunk
                    }
                }
                if !removed { chunk /= 2 }
            }
            for index in current.steps.indices where runs < budget {
                for simpler in Self.simpler(current.steps[index]) {
                    var candidate = current.steps
                    candidate[index] = simpler
                    if fails(candidate) {
                        current.steps = candidate
                        changed = true
                        break
                    }
                }
            }
        }
        return current
    }

    private static func simpler(_ step: ModelStep) -> [ModelStep] {
        switch step {
        case .submit(let events):
            var out: [ModelStep] = []
            if events.count > 1 {
                for index in events.indices { out.append(.submit(Array(events[..<index] + events[(index + 1)...]))) }
            }
            for (index, event) in events.enumerated() where event.routes.count > 1 {
                var fewer = events
                fewer[index].routes = [event.routes[0]]
                out.append(.submit(fewer))
            }
            return out
        case .deliver(let route, let count, let outcome) where count > 1:
            return [
                .deliver(route: route, count: 1, outcome: outcome),
                .deliver(route: route, count: count - 1, outcome: outcome),
            ]
        case .crash(let calls) where calls > 0:
            return [.crash(afterCalls: 0), .crash(afterCalls: calls / 2), .crash(afterCalls: calls - 1)]
        case .fail(let operation, let code, let skip) where skip > 0: return [.fail(operation, errno: code, skip: 0)]
        case .capacity(let headroom?) where headroom > 0:
            return [.capacity(headroom: 0), .capacity(headroom: headroom / 2)]
        case .replay(let route, let count) where count > 1: return [.replay(route: route, count: 1)]
        default: return []
        }
    }

    var description: String {
        "ModelCase(\n    seed: \(seed), segmentBytes: \(segmentBytes), maxSpoolBytes: \(maxSpoolBytes),\n    steps: [\n"
            + steps.map { "        \($0)," }.joined(separator: "\n") + "\n    ])"
    }
}
