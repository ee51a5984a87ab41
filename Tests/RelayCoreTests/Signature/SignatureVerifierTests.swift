import Testing

@testable import RelayCore

/// Vectors computed independently with Python's `hmac` module, as Moda's docs do:
/// `hmac.new(secret, f"{ts}.{body}", sha256).hexdigest()`.
@Suite struct SignatureVerifierTests {
    static let currentBody = #"{"id":"evt_01HT9WK8N3M2J4A5Z6P7Q8R9TV","type":"task.succeeded"}"#
    static let currentSignature = "v1=98d9284a6a653698b42eba78ec44d4af76ef0a30c3d02b449b495c6ad79bcb69"
    static let legacyBody = #"{"event":"job.completed","job_id":"990e8400-e29b-41d4-a716-446655440000"}"#
    static let legacySignature = "v1=05a7d34ecbf842f483ff528fa56a06e55e56b9d453c6b0a9f67d2991b13f5288"

    func verify(
        _ verifier: SignatureVerifier, ts: String?, sig: String?, body: String, now: Int64
    ) -> SignatureVerifier.Failure.Code? {
        do {
            _ = try Array(body.utf8).withUnsafeBytes { bytes in
                try verifier.verify(timestamp: ts, signature: sig, body: bytes, now: now)
            }
            return nil
        } catch {
            return (error as? SignatureVerifier.Failure)?.code
        }
    }

    @Test func acceptsPythonComputedVectors() {
        let verifier = SignatureVerifier(secrets: ["whsec_test_secret"])
        #expect(
            verify(verifier, ts: "1760000000", sig: Self.currentSignature, body: Self.currentBody, now: 1_760_000_000)
                == nil)
        let second = SignatureVerifier(secrets: ["second-secret"])
        #expect(
            verify(second, ts: "1760000123", sig: Self.legacySignature, body: Self.legacyBody, now: 1_760_000_100)
                == nil)
    }

    @Test func signatureHeaderMatchesPython() {
        let header = SignatureVerifier.signatureHeader(secret: "k", timestamp: "0", body: [])
        #expect(header == "v1=6b4a4b8b3c40f1e8f53a3d36682e5f99f7ad2ac1df1c93dfe336f329167641e7")
        let upper = SignatureVerifier.signatureHeader(
            secret: "whsec_test_secret", timestamp: "1760000000", body: Array(Self.currentBody.utf8))
        #expect(upper == Self.currentSignature)
    }

    @Test func triesEverySecretForRotation() {
        let verifier = SignatureVerifier(secrets: ["old-secret", "second-secret", "whsec_test_secret"])
        #expect(
            verify(verifier, ts: "1760000000", sig: Self.currentSignature, body: Self.currentBody, now: 1_760_000_000)
                == nil)
        #expect(
            verify(verifier, ts: "1760000123", sig: Self.legacySignature, body: Self.legacyBody, now: 1_760_000_123)
                == nil)
    }

    @Test func rejectsWrongSecretTamperedBodyAndTimestamp() {
        let verifier = SignatureVerifier(secrets: ["another"])
        #expect(
            verify(verifier, ts: "1760000000", sig: Self.currentSignature, body: Self.currentBody, now: 1_760_000_000)
                == .badSignature)
        let right = SignatureVerifier(secrets: ["whsec_test_secret"])
        #expect(
            verify(
                right, ts: "1760000000", sig: Self.currentSignature, body: Self.currentBody + " ", now: 1_760_000_000)
                == .badSignature)
        #expect(
            verify(right, ts: "1760000001", sig: Self.currentSignature, body: Self.currentBody, now: 1_760_000_000)
                == .badSignature)
    }

    @Test func acceptsUppercaseHexAndOneOfSeveralSignatures() {
        let verifier = SignatureVerifier(secrets: ["whsec_test_secret"])
        let upper = "v1=" + Self.currentSignature.dropFirst(3).uppercased()
        #expect(verify(verifier, ts: "1760000000", sig: upper, body: Self.currentBody, now: 1_760_000_000) == nil)
        let several = "v1=" + String(repeating: "0", count: 64) + "," + Self.currentSignature
        #expect(verify(verifier, ts: "1760000000", sig: several, body: Self.currentBody, now: 1_760_000_000) == nil)
    }

    @Test func timestampToleranceBothDirections() {
        let verifier = SignatureVerifier(secrets: ["whsec_test_secret"], toleranceSeconds: 300)
        let ts = "1760000000"
        #expect(verify(verifier, ts: ts, sig: Self.currentSignature, body: Self.currentBody, now: 1_760_000_300) == nil)
        #expect(
            verify(verifier, ts: ts, sig: Self.currentSignature, body: Self.currentBody, now: 1_760_000_301)
                == .staleTimestamp)
        #expect(verify(verifier, ts: ts, sig: Self.currentSignature, body: Self.currentBody, now: 1_759_999_700) == nil)
        #expect(
            verify(verifier, ts: ts, sig: Self.currentSignature, body: Self.currentBody, now: 1_759_999_699)
                == .staleTimestamp)
    }

    @Test func staleIsCheckedBeforeTheSignature() {
        let verifier = SignatureVerifier(secrets: ["whsec_test_secret"])
        let bogus = "v1=" + String(repeating: "ab", count: 32)
        #expect(verify(verifier, ts: "1000", sig: bogus, body: "{}", now: 1_760_000_000) == .staleTimestamp)
    }

    @Test func malformedHeadersAreBadRequests() {
        let verifier = SignatureVerifier(secrets: ["whsec_test_secret"])
        let now: Int64 = 1_760_000_000
        #expect(verify(verifier, ts: nil, sig: Self.currentSignature, body: "{}", now: now) == .missingHeader)
        #expect(verify(verifier, ts: "1760000000", sig: nil, body: "{}", now: now) == .missingHeader)
        #expect(verify(verifier, ts: "", sig: Self.currentSignature, body: "{}", now: now) == .missingHeader)
        #expect(verify(verifier, ts: "soon", sig: Self.currentSignature, body: "{}", now: now) == .invalidHeader)
        #expect(verify(verifier, ts: "-5", sig: Self.currentSignature, body: "{}", now: now) == .invalidHeader)
        #expect(verify(verifier, ts: "1760000000", sig: "sha256=abc", body: "{}", now: now) == .invalidHeader)
        #expect(verify(verifier, ts: "1760000000", sig: "v1=xyz", body: "{}", now: now) == .invalidHeader)
        #expect(verify(verifier, ts: "1760000000", sig: "v1=abcd", body: "{}", now: now) == .invalidHeader)
    }

    @Test func failureClassification() {
        #expect(SignatureVerifier.Failure(code: .badSignature, message: "").isAuthenticationFailure)
        #expect(SignatureVerifier.Failure(code: .staleTimestamp, message: "").isAuthenticationFailure)
        #expect(!SignatureVerifier.Failure(code: .invalidHeader, message: "").isAuthenticationFailure)
    }
}
