import Testing

@testable import RelayConfig

@Suite struct SigningSecretsTests {
    @Test func environmentEntriesThenFileLines() throws {
        let secrets = try SigningSecrets.load(
            environment: " whsec_0123456789abcdef , whsec_fedcba9876543210,",
            file: ("/etc/s", "# old\n\nwhsec_rotated_secret_1\r\n"))
        #expect(secrets == ["whsec_0123456789abcdef", "whsec_fedcba9876543210", "whsec_rotated_secret_1"])
    }

    @Test func shortSecretsAreRefusedByPositionNeverByValue() throws {
        #expect {
            try SigningSecrets.load(environment: "whsec_0123456789abcdef,x", file: nil)
        } throws: { error in
            let message = "\(error)"
            return message.contains("MODA_WEBHOOK_SECRET entry 2 of 2 is 1 byte(s)") && !message.contains(",x")
        }
        #expect {
            try SigningSecrets.load(environment: nil, file: ("/etc/s", "whsec_0123456789abcdef\nfifteen-bytes!!\n"))
        } throws: { error in "\(error)".contains("/etc/s:2 is 15 byte(s)") }
        #expect(throws: SigningSecrets.Problem.self) { try SigningSecrets.load(environment: " , ", file: nil) }
    }

    @Test func sixteenBytesIsEnough() throws {
        #expect(try SigningSecrets.load(environment: "sixteen-bytes!!!", file: nil) == ["sixteen-bytes!!!"])
    }
}
