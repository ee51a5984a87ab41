import Testing

@testable import RelayCore

@Suite struct RetryHintTests {
    @Test(arguments: [
        ("2", 2.0), ("0.25", 0.25), (" 1.337 ", 1.337), ("0", 0.0), ("100000", 86_400.0),
    ])
    func decimalSeconds(_ text: String, _ expected: Double) {
        #expect(RetryHint.seconds(text) == expected)
    }

    @Test(arguments: ["", "-1", "1e3", "inf", "nan", "1,5", "0x10", String(repeating: "9", count: 40)])
    func refused(_ text: String) {
        #expect(RetryHint.seconds(text) == nil)
    }

    @Test func combineTakesTheLaterInWholeSeconds() {
        #expect(RetryHint.combine(retryAfter: nil, hintSeconds: nil) == nil)
        #expect(RetryHint.combine(retryAfter: "3", hintSeconds: nil) == "3")
        #expect(RetryHint.combine(retryAfter: nil, hintSeconds: 0.2) == "1")
        #expect(RetryHint.combine(retryAfter: "3", hintSeconds: 1.5) == "3")
        #expect(RetryHint.combine(retryAfter: "1", hintSeconds: 1.5) == "2")
        let date = "Thu, 09 Oct 2025 08:54:00 GMT"
        #expect(RetryHint.combine(retryAfter: date, hintSeconds: 9) == date)
    }
}
