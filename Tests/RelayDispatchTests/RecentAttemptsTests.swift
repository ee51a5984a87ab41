import RelayCore
import Testing

@testable import RelayDispatch

@Suite struct RecentAttemptsTests {
    func attempt(_ n: Int) -> DeliveryAttempt {
        DeliveryAttempt(
            atMillis: Int64(n), eventID: "evt_\(n)", eventType: "task.succeeded", attempt: 1, outcome: .delivered,
            status: 200, error: nil, latency: .milliseconds(n), responseExcerpt: "ok")
    }

    @Test func keepsTheNewestAttemptsNewestFirst() {
        var recent = RecentAttempts(capacity: 3)
        #expect(recent.newestFirst.isEmpty)
        recent.record(attempt(1))
        recent.record(attempt(2))
        #expect(recent.newestFirst.map(\.atMillis) == [2, 1])
        for n in 3...7 { recent.record(attempt(n)) }
        #expect(recent.newestFirst.map(\.atMillis) == [7, 6, 5])
        recent.record(attempt(8))
        #expect(recent.newestFirst.map(\.atMillis) == [8, 7, 6])
    }
}
