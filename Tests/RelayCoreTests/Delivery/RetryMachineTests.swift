import Testing

@testable import RelayCore

@Suite struct RetryMachineTests {
    let accepted: Int64 = 1_760_000_000_000
    var rng = SeededRandom(seed: 42)

    func response(_ status: Int, retryAfter: String? = nil, body: String = "") -> DeliveryResult {
        .response(status: status, retryAfter: retryAfter, bodyExcerpt: body)
    }

    @Test(arguments: [
        (200, DeliveryClass.delivered), (204, .delivered),
        (408, .retryable(reason: "HTTP 408")), (425, .retryable(reason: "HTTP 425")),
        (429, .retryable(reason: "HTTP 429")), (500, .retryable(reason: "HTTP 500")),
        (503, .retryable(reason: "HTTP 503")),
        (400, .permanent(reason: "HTTP 400")), (404, .permanent(reason: "HTTP 404")),
        (301, .permanent(reason: "HTTP 301: redirects are not followed: use the final URL")),
        (308, .permanent(reason: "HTTP 308: redirects are not followed: use the final URL")),
        (410, .gone(reason: "HTTP 410 Gone")),
    ])
    func classification(_ status: Int, _ expected: DeliveryClass) {
        #expect(DeliveryClass.of(response(status)) == expected)
    }

    @Test func transportFailuresAndSlackErrorBodies() {
        #expect(
            DeliveryClass.of(.transportFailure(.timeout, message: "after 10s"))
                == .retryable(reason: "timeout: after 10s"))
        #expect(
            DeliveryClass.of(.transportFailure(.connect, message: "refused")) == .retryable(reason: "connect: refused"))
        #expect(
            DeliveryClass.of(response(404, body: "channel_not_found"))
                == .permanent(reason: "HTTP 404: channel_not_found"))
        #expect(
            DeliveryClass.of(response(400, body: "invalid_payload")) == .permanent(reason: "HTTP 400: invalid_payload"))
    }

    @Test mutating func backoffGrowsWithFullJitterAboveTheFloorAndUnderTheCap() throws {
        let policy = try RetryPolicy(
            maxAttempts: 20, initialBackoff: .seconds(1), maximumBackoff: .seconds(60), maxAge: .seconds(86_400))
        let machine = RetryMachine(policy: policy)
        for retry in 1...12 {
            let ceiling = min(60_000, 1000 << (retry - 1))
            var seen: Set<Int64> = []
            for _ in 0..<200 {
                let delay = machine.jitteredDelayMillis(retry: retry, using: &rng)
                #expect(delay >= 1000 && delay <= Int64(ceiling))
                seen.insert(delay)
            }
            if retry > 2 { #expect(seen.count > 50, "jitter should spread delays") }
        }
        #expect(machine.jitteredDelayMillis(retry: 1, using: &rng) == 1000)
    }

    @Test mutating func retriesUntilMaxAttemptsThenDeadLetters() throws {
        let machine = RetryMachine(
            policy: try RetryPolicy(
                maxAttempts: 3, initialBackoff: .seconds(1), maximumBackoff: .seconds(10), maxAge: .seconds(3600)))
        var now = accepted
        for attempt in 1...2 {
            guard
                case .retry(let at, let reason) = machine.decide(
                    after: response(503), attempt: attempt, acceptedAtMillis: accepted, nowMillis: now, using: &rng)
            else {
                Issue.record("expected a retry after attempt \(attempt)")
                return
            }
            #expect(at > now)
            #expect(reason == "HTTP 503")
            now = at
        }
        #expect(
            machine.decide(after: response(503), attempt: 3, acceptedAtMillis: accepted, nowMillis: now, using: &rng)
                == .deadLetter(reason: "gave up after 3 attempts; last: HTTP 503"))
    }

    @Test mutating func maxAgeStopsRetries() throws {
        let machine = RetryMachine(
            policy: try RetryPolicy(
                maxAttempts: 100, initialBackoff: .seconds(10), maximumBackoff: .seconds(10), maxAge: .seconds(60)))
        #expect(
            machine.decide(
                after: response(500), attempt: 1, acceptedAtMillis: accepted, nowMillis: accepted + 45_000, using: &rng)
                == .retry(atMillis: accepted + 55_000, reason: "HTTP 500"))
        #expect(
            machine.decide(
                after: response(500), attempt: 2, acceptedAtMillis: accepted, nowMillis: accepted + 55_000, using: &rng)
                == .deadLetter(reason: "gave up: next attempt would exceed max_age; last: HTTP 500"))
    }

    @Test mutating func retryAfterIsTheLaterOfItAndTheBackoff() throws {
        let machine = RetryMachine(
            policy: try RetryPolicy(
                maxAttempts: 10, initialBackoff: .seconds(2), maximumBackoff: .seconds(2), maxAge: .seconds(86_400)))
        let now = accepted + 1000
        #expect(
            machine.decide(
                after: response(429, retryAfter: "30"), attempt: 1, acceptedAtMillis: accepted, nowMillis: now,
                using: &rng)
                == .retry(atMillis: now + 30_000, reason: "HTTP 429"))
        #expect(
            machine.decide(
                after: response(429, retryAfter: "1"), attempt: 1, acceptedAtMillis: accepted, nowMillis: now,
                using: &rng)
                == .retry(atMillis: now + 2000, reason: "HTTP 429"))
        // 2025-11-01 00:01:40 GMT is 100 s after 2025-11-01 00:00:00 GMT (1761955200 s).
        let midnight: Int64 = 1_761_955_200_000
        #expect(
            machine.decide(
                after: response(503, retryAfter: "Sat, 01 Nov 2025 00:01:40 GMT"), attempt: 1,
                acceptedAtMillis: midnight, nowMillis: midnight, using: &rng)
                == .retry(atMillis: midnight + 100_000, reason: "HTTP 503"))
        // Unparsable Retry-After falls back to the backoff.
        #expect(
            machine.decide(
                after: response(503, retryAfter: "soon"), attempt: 1, acceptedAtMillis: accepted, nowMillis: now,
                using: &rng)
                == .retry(atMillis: now + 2000, reason: "HTTP 503"))
    }

    @Test mutating func permanentAndGone() throws {
        let machine = RetryMachine(policy: RetryPolicy())
        #expect(
            machine.decide(
                after: response(400, body: "invalid_payload"), attempt: 1, acceptedAtMillis: accepted,
                nowMillis: accepted, using: &rng)
                == .deadLetter(reason: "permanent failure: HTTP 400: invalid_payload"))
        #expect(
            machine.decide(
                after: response(410), attempt: 1, acceptedAtMillis: accepted, nowMillis: accepted, using: &rng)
                == .deadLetterAndPause(reason: "endpoint gone: HTTP 410 Gone"))
        #expect(
            machine.decide(
                after: response(201), attempt: 5, acceptedAtMillis: accepted, nowMillis: accepted, using: &rng)
                == .delivered)
    }

    @Test func httpDates() {
        #expect(HTTPDate.parse("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777_000)
        #expect(HTTPDate.parse("Tue, 29 Feb 2028 23:59:59 GMT") == 1_835_481_599_000)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == nil)
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 UTC") == nil)
        #expect(HTTPDate.parse("Sun, 6 Nov 1994 08:49:37 GMT") == nil)
        #expect(RetryMachine.retryAfterMillis("Thu, 01 Jan 1970 00:00:00 GMT", nowMillis: 5000) == 0)
    }
}
