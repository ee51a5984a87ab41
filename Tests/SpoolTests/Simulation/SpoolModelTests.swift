import Foundation
import Testing

/// The spool's model test: seeded random sequences of accepts, commits, deliveries,
/// acknowledgements, dead letters, replays, route changes, full disks, failing calls, crashes,
/// power cuts and restarts, run against the real spool on a simulated disk and checked against a
/// plain model (``ModelRun``). A failing seed is printed with its shortest failing sequence.
///
/// `SPOOL_MODEL_SEQUENCES` (default 300) and `SPOOL_MODEL_SEED` (default 1) choose the seeds;
/// `SPOOL_MODEL_KEEP_GOING=1` runs every seed and reports one shortest sequence per kind of
/// broken promise; `SPOOL_MODEL_TRACE=1` prints what each step of that sequence did.
/// `ops/soak --simulate` runs many more seeds.
@Suite struct SpoolModelTests {
    @Test func randomSequencesKeepEveryPromise() {
        let environment = ProcessInfo.processInfo.environment
        let sequences = environment["SPOOL_MODEL_SEQUENCES"].flatMap { Int($0) } ?? 300
        let first = environment["SPOOL_MODEL_SEED"].flatMap { UInt64($0) } ?? 1
        let keepGoing = environment["SPOOL_MODEL_KEEP_GOING"] != nil
        var totals = ModelRun.Statistics()
        var found: [ModelRun.Violation.Kind: (seeds: [UInt64], minimal: ModelCase)] = [:]
        let started = Date()
        for seed in first..<(first + UInt64(sequences)) {
            let model = ModelCase.random(seed: seed)
            let (violation, statistics) = model.run()
            totals.add(statistics)
            guard let violation else { continue }
            if found[violation.kind] != nil {
                found[violation.kind]!.seeds.append(seed)
                continue
            }
            let minimal = model.shrunk(keeping: violation.kind)
            found[violation.kind] = ([seed], minimal)
            Issue.record(
                """
                seed \(seed) broke a promise: \(violation)
                (rerun: SPOOL_MODEL_SEED=\(seed) SPOOL_MODEL_SEQUENCES=1 swift test --filter SpoolModelTests)
                shortest failing sequence, as a regression test:
                \(minimal)
                """)
            if environment["SPOOL_MODEL_TRACE"] != nil { _ = minimal.run(tracing: true) }
            if !keepGoing { return }
        }
        let seconds = Date().timeIntervalSince(started)
        print(
            "spool model: \(sequences) sequences from seed \(first) in \(String(format: "%.1f", seconds)) s: \(totals)")
        for (kind, entry) in found.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            print("spool model: \(kind.rawValue) in \(entry.seeds.count) sequence(s), first seed \(entry.seeds[0])")
        }
    }
}

extension ModelRun.Statistics: CustomStringConvertible {
    mutating func add(_ other: ModelRun.Statistics) {
        steps += other.steps
        calls += other.calls
        crashes += other.crashes
        powerCuts += other.powerCuts
        failedStarts += other.failedStarts
        acknowledged += other.acknowledged
        deliveries += other.deliveries
        refusals += other.refusals
        toleratedDamage += other.toleratedDamage
    }

    var description: String {
        "\(steps) steps, \(calls) file calls, \(acknowledged) events acknowledged, \(deliveries) deliveries, "
            + "\(refusals) refusals, \(crashes) crashes, \(powerCuts) power cuts, \(failedStarts) failed starts, "
            + "\(toleratedDamage) damage findings after a failed fdatasync and a stop"
    }
}
