import Foundation

/// The seed of this run's property tests: `MODA_RELAY_SEED` from the environment, to replay a
/// failure, or else a fresh one per run, so every run tries new inputs. Each property test draws
/// from a `SeededRandom` with it and names it in its failure messages (``note``).
package enum PropertySeed {
    package static let value: UInt64 =
        ProcessInfo.processInfo.environment["MODA_RELAY_SEED"].flatMap { UInt64($0) }
        ?? UInt64.random(in: 0...UInt64.max)

    /// What a failure message says: the seed, and how to run the same inputs again.
    package static var note: String { "seed \(value): replay with MODA_RELAY_SEED=\(value) swift test" }
}
