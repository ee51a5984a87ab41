import Testing

@testable import RelayCore

@Suite struct StandardWebhooksSignerTests {
    /// The Standard Webhooks specification's published test vector.
    @Test func matchesTheSpecificationsTestVector() throws {
        let signer = try StandardWebhooksSigner(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let body = Array(#"{"test": 2432232314}"#.utf8)
        #expect(
            signer.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body)
                == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        let headers = signer.headers(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body)
        #expect(headers.map(\.0) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        #expect(headers[1].1 == "1614265330")
    }

    @Test func rejectsSecretsThatAreNotBase64() {
        #expect(throws: StandardWebhooksSigner.InvalidSecret.self) {
            try StandardWebhooksSigner(secret: "whsec_not base64!")
        }
        #expect(throws: StandardWebhooksSigner.InvalidSecret.self) { try StandardWebhooksSigner(secret: "whsec_") }
    }

    @Test(arguments: ["", "f", "fo", "foo", "foob", "fooba", "foobar"])
    func base64RoundTripsRFC4648Vectors(_ text: String) {
        let expected = [
            "": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=",
            "foobar": "Zm9vYmFy",
        ]
        #expect(Base64.encode(Array(text.utf8)) == expected[text])
        #expect(Base64.decode(expected[text]!) == Array(text.utf8))
    }

    @Test func base64RejectsMalformedInput() {
        #expect(Base64.decode("Zm9") == nil)
        #expect(Base64.decode("Zm=v") == nil)
        #expect(Base64.decode("Z===") == nil)
        #expect(Base64.decode("Zm9v!A==") == nil)
    }
}
