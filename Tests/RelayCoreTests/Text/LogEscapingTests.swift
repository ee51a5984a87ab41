import RelayTestSupport
import Testing

@testable import RelayCore

@Suite struct LogEscapingTests {
    @Test func controlCharactersCannotForgeALineOrDriveATerminal() {
        #expect(LogEscaping.escape("evt_1") == "evt_1")
        #expect(LogEscaping.escape("a\r\nlevel=error msg=forged") == #"a\r\nlevel=error msg=forged"#)
        #expect(LogEscaping.escape("\u{1B}[31mred\u{7}") == #"\u{1b}[31mred\u{7}"#)
        #expect(LogEscaping.escape("x\u{85}y\u{2028}z") == #"x\u{85}y\u{2028}z"#)
        #expect(LogEscaping.escape(#"C:\path"#) == #"C:\\path"#)
        #expect(LogEscaping.escape("déjà vu 😀") == "déjà vu 😀")
    }

    @Test func noControlScalarSurvivesRandomInput() {
        var rng = SeededRandom(seed: PropertySeed.value)
        for _ in 0..<2_000 {
            var text = ""
            for _ in 0..<Int.random(in: 0...16, using: &rng) {
                let code = Bool.random(using: &rng) ? UInt32.random(in: 0...0xA0, using: &rng) : 0x2028
                if let scalar = Unicode.Scalar(code) { text.unicodeScalars.append(scalar) }
            }
            let escaped = LogEscaping.escape(text)
            #expect(
                !escaped.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) },
                "\(PropertySeed.note)")
            #expect(!escaped.unicodeScalars.contains("\u{2028}"), "\(PropertySeed.note)")
        }
    }
}
