import Foundation
import Logging
import Synchronization
import Testing

@testable import ModaRelay

/// Hardening finding 13: a logged value from outside cannot forge a line.
@Suite struct TextLogHandlerTests {
    @Test func everyValueIsEscapedOntoOneLine() {
        let lines = Mutex<[String]>([])
        var handler = TextLogHandler(label: "moda-relay", level: .info) { line in lines.withLock { $0.append(line) } }
        handler[metadataKey: "relay.sink"] = "slack"
        let logger = Logger(label: "moda-relay") { _ in handler }
        logger.warning(
            "event dead-lettered\nlevel=error forged",
            metadata: ["relay.reason": "HTTP 400: bad\r\n2026-01-01T00:00:00Z critical moda-relay: pwned \u{1B}[2J"])
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        let line = written[0]
        #expect(line.hasSuffix("\n") && line.dropLast().allSatisfy { $0 != "\n" && $0 != "\r\n" && $0 != "\r" })
        #expect(!line.unicodeScalars.contains("\u{1B}"))
        #expect(
            line.contains(#"relay.reason="HTTP 400: bad\r\n2026-01-01T00:00:00Z critical moda-relay: pwned \u{1b}[2J""#)
        )
        #expect(line.contains(" warning moda-relay: relay.reason="))
        #expect(line.contains(#"relay.sink="slack""#))
        #expect(line.hasSuffix(#"event dead-lettered\nlevel=error forged"# + "\n"))
    }

    /// Finding 9: a value from outside cannot fake a field inside the line: values are quoted and
    /// their quotes escaped.
    @Test func aValueCannotPassForAnotherField() {
        let lines = Mutex<[String]>([])
        let handler = TextLogHandler(label: "moda-relay", level: .info) { line in lines.withLock { $0.append(line) } }
        let logger = Logger(label: "moda-relay") { _ in handler }
        logger.warning(
            "event dead-lettered",
            metadata: ["relay.reason": #"HTTP 400: nope" relay.sink="admin" relay.event.id="evt_forged"#])
        let line = lines.withLock { $0[0] }
        #expect(line.contains(#"relay.reason="HTTP 400: nope\" relay.sink=\"admin\" relay.event.id=\"evt_forged""#))
        // Unescaped quotes: one field's two; the others are inside them.
        #expect(line.replacingOccurrences(of: #"\""#, with: "").filter { $0 == "\"" }.count == 2, "\(line)")
    }
}
