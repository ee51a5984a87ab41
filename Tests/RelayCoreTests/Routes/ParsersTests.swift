import Testing

@testable import RelayCore

@Suite struct ParsersTests {
    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("1s", .seconds(1)), ("10m", .seconds(600)), ("24h", .seconds(86_400)),
        ("1m30s", .seconds(90)), ("2d", .seconds(172_800)),
    ])
    func durations(_ text: String, _ expected: Duration) {
        #expect(DurationParser.parse(text) == expected)
    }

    @Test(arguments: [
        "", "10", "s", "1x", "1.5s", "-1s", "1 s", "36501d", String(repeating: "1000000000d", count: 3000),
    ])
    func badDurations(_ text: String) {
        #expect(DurationParser.parse(text) == nil)
    }

    @Test func sizes() {
        #expect(SizeParser.parse("1048576") == 1_048_576)
        #expect(SizeParser.parse("64MiB") == 64 << 20)
        #expect(SizeParser.parse("1GB") == 1_000_000_000)
        #expect(SizeParser.parse("1 KiB") == 1024)
        #expect(SizeParser.parse("MiB") == nil)
        #expect(SizeParser.parse("12XB") == nil)
    }

    @Test func rates() {
        #expect(Rate(parsing: "1/s") == Rate(count: 1, per: .seconds(1)))
        #expect(Rate(parsing: "30/m") == Rate(count: 30, per: .seconds(60)))
        #expect(Rate(parsing: "500/h") == Rate(count: 500, per: .seconds(3600)))
        #expect(Rate(parsing: "0/s") == nil)
        #expect(Rate(parsing: "5/d") == nil)
        #expect(Rate(parsing: "fast") == nil)
        for text in ["1/s", "30/m", "500/h"] { #expect(Rate(parsing: text)?.description == text) }
        // A rate no route file can spell (Discord's default) still reads right.
        #expect(Rate(count: 1, per: .seconds(2)).description == "1 per 2.0 seconds")
    }

    @Test func retryPolicyValidationAndCeilings() throws {
        #expect(throws: RetryPolicy.Invalid.self) {
            try RetryPolicy(
                maxAttempts: 0, initialBackoff: .seconds(1), maximumBackoff: .seconds(2), maxAge: .seconds(3))
        }
        #expect(throws: RetryPolicy.Invalid.self) {
            try RetryPolicy(
                maxAttempts: 3, initialBackoff: .seconds(5), maximumBackoff: .seconds(2), maxAge: .seconds(3))
        }
        let policy = RetryPolicy()
        #expect(policy.backoffCeiling(retry: 1) == .seconds(1))
        #expect(policy.backoffCeiling(retry: 4) == .seconds(8))
        #expect(policy.backoffCeiling(retry: 20) == .seconds(600))
    }

    @Test func durationsThatCanBeSwitchedOff() {
        #expect(DurationParser.parseOrOff("off") == .zero)
        #expect(DurationParser.parseOrOff("0") == .zero)
        #expect(DurationParser.parseOrOff("0s") == .zero)
        #expect(DurationParser.parseOrOff("1m30s") == .seconds(90))
        #expect(DurationParser.parseOrOff("soon") == nil)
        #expect(DurationParser.parseOrOff("") == nil)
    }
}
