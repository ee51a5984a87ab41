import Testing

@testable import RelayDispatch

@Suite struct ResponseHeaderLineTests {
    private func parse(_ text: String, lengths: Set<Int> = [11]) -> ResponseHeaderLine {
        Array(text.utf8).withUnsafeBytes { ResponseHeaderLine.parse($0, wanted: { lengths.contains($0) }) }
    }

    @Test func readsWantedHeadersAndSkipsTheRest() {
        #expect(parse("HTTP/1.1 429 Too Many Requests\r\n") == .status)
        #expect(parse("Retry-After:  7 \r\n") == .header(name: "retry-after", value: "7"))
        #expect(
            parse("X-RateLimit-Reset-After: 1.5\r\n", lengths: [23])
                == .header(name: "x-ratelimit-reset-after", value: "1.5"))
        #expect(parse("Content-Type: text/plain\r\n") == .skipped, "12 bytes: not a length asked for")
        #expect(parse("\r\n") == .skipped)
        #expect(parse("no colon at all") == .skipped)
        // Bytes that are not UTF-8 become replacement characters, never a trap.
        let odd: [UInt8] = [0xFF, 0xFE, 0x3A, 0x80, 0x0D, 0x0A]
        let parsed = odd.withUnsafeBytes { ResponseHeaderLine.parse($0, wanted: { $0 == 2 }) }
        #expect(parsed == .header(name: "\u{FFFD}\u{FFFD}", value: "\u{FFFD}"))
    }
}
