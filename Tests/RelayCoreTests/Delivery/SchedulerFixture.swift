import RelayTestSupport

@testable import RelayCore

/// What the scheduler's suites share: a scheduler on a manual clock with a fixed backoff, and
/// readers of the actions it returns.
protocol SchedulerFixture {
    var clock: ManualClock { get }
}

extension SchedulerFixture {
    typealias Scheduler = DeliveryScheduler<ManualClock>
    static var accepted: Int64 { 1_760_000_000_000 }

    /// Backoff fixed at `backoff` (no jitter: ceiling = floor).
    func scheduler(
        attempts: Int = 5, backoff: Duration = .seconds(1), maxAge: Duration = .seconds(3600), rate: Rate? = nil,
        window: Int = 4, idleWake: Duration = .seconds(3600)
    ) throws -> Scheduler {
        let retry = try RetryPolicy(
            maxAttempts: attempts, initialBackoff: backoff, maximumBackoff: backoff, maxAge: maxAge)
        var configuration = Scheduler.Configuration(retry: retry, rate: rate, window: window)
        // Long by default, so a test sees the due time itself.
        configuration.idleWake = idleWake
        return Scheduler(configuration: configuration, clock: clock, random: SeededRandom(seed: 7))
    }

    func fill(_ scheduler: inout Scheduler, _ sequences: ClosedRange<UInt64>) {
        _ = scheduler.takeCapacity()
        for sequence in sequences {
            scheduler.add(sequence, acceptedAtMillis: Self.accepted)
        }
    }

    static func status(_ code: Int, retryAfter: String? = nil) -> DeliveryResult {
        .response(status: code, retryAfter: retryAfter, bodyExcerpt: "")
    }

    /// The sequences a batch of actions sends.
    static func sent(_ actions: [Scheduler.Action]) -> [UInt64] {
        actions.flatMap { action -> [UInt64] in
            if case .send(let sequences) = action { return sequences }
            return []
        }
    }

    static func acknowledged(_ actions: [Scheduler.Action]) -> [UInt64: Scheduler.Settlement] {
        var out: [UInt64: Scheduler.Settlement] = [:]
        for case .acknowledge(let sequence, let settlement) in actions { out[sequence] = settlement }
        return out
    }

    static func outcomes(_ actions: [Scheduler.Action]) -> [DeliveryOutcome] {
        actions.compactMap { action in
            if case .attempted(let attempt) = action { return attempt.outcome }
            return nil
        }
    }
}
