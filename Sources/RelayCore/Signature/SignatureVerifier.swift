import COpenSSL

/// Verifies Moda's webhook signatures: `X-Webhook-Signature: v1=<hex>` is HMAC-SHA256 with the
/// signing secret over `"{X-Webhook-Timestamp}.{raw body}"`, and the timestamp must lie within
/// `tolerance` of now, in either direction.
///
/// One endpoint may serve several API keys, and a rotation keeps the old secret alongside the
/// new one, so every configured secret is tried. Digests are compared in constant time.
package struct SignatureVerifier: Sendable {
    /// Why a request was refused. `code` is stable and becomes a metric label.
    package struct Failure: Error, Equatable, CustomStringConvertible {
        package enum Code: String, Sendable {
            case missingHeader = "missing_header"
            case invalidHeader = "invalid_header"
            case staleTimestamp = "stale_timestamp"
            case badSignature = "bad_signature"
        }
        package var code: Code
        package var message: String
        package var description: String { message }

        /// True for failures that mean "not authentic" (401) rather than "malformed" (400).
        package var isAuthenticationFailure: Bool { code == .staleTimestamp || code == .badSignature }
    }

    private let keys: [HMACKey]
    /// Largest accepted |now − timestamp|, in seconds.
    package let toleranceSeconds: Int64

    /// Creates a verifier for `secrets` (each non-empty). Traps if OpenSSL cannot create a key,
    /// which only happens when libcrypto itself is broken.
    package init(secrets: [String], toleranceSeconds: Int64 = 300) {
        precondition(!secrets.isEmpty, "at least one signing secret is required")
        self.keys = secrets.map { HMACKey(secret: Array($0.utf8)) }
        self.toleranceSeconds = toleranceSeconds
    }

    /// The signature headers, checked: what ``checkHeaders(timestamp:signature:now:)`` returns.
    package struct CheckedHeaders: Sendable {
        /// The timestamp as sent (trimmed): the signed prefix.
        package var timestamp: String
        /// Every `v1=` digest the header carries.
        package var candidates: [[UInt8]]
        /// Set when the timestamp was outside the tolerance and `allowStale` let it through: the
        /// timestamp, and the refusal a request that no rule admits must get.
        package var stale: (seconds: Int64, refusal: Failure)?
    }

    /// The checks that need no body, in the documented order: headers present, timestamp
    /// well-formed and fresh, signature header well-formed. The ingress runs them as soon as a
    /// request's head arrives, so a request that must fail never has its body read.
    /// With `allowStale`, a stale timestamp is not refused here but reported in
    /// ``CheckedHeaders/stale``, for a caller that may admit a redelivery it asked for.
    package func checkHeaders(
        timestamp timestampHeader: String?, signature signatureHeader: String?, now: Int64, allowStale: Bool = false
    ) throws(Failure) -> CheckedHeaders {
        guard let timestampHeader, !timestampHeader.isEmpty else {
            throw Failure(code: .missingHeader, message: "missing X-Webhook-Timestamp header")
        }
        guard let signatureHeader, !signatureHeader.isEmpty else {
            throw Failure(code: .missingHeader, message: "missing X-Webhook-Signature header")
        }
        let trimmedTimestamp = timestampHeader.trimmingASCIISpaces()
        // At most 18 digits: Int64 cannot overflow, and no real timestamp is longer.
        guard !trimmedTimestamp.isEmpty, trimmedTimestamp.utf8.count <= 18,
            trimmedTimestamp.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let timestamp = Int64(trimmedTimestamp)
        else {
            throw Failure(code: .invalidHeader, message: "X-Webhook-Timestamp is not unix seconds")
        }
        let candidates = try Self.parseSignatures(signatureHeader)
        let skew = now > timestamp ? now - timestamp : timestamp - now
        guard skew <= toleranceSeconds else {
            let direction = timestamp < now ? "old" : "in the future"
            let refusal = Failure(
                code: .staleTimestamp,
                message: "timestamp is \(skew)s \(direction); tolerance is \(toleranceSeconds)s"
            )
            guard allowStale else { throw refusal }
            return CheckedHeaders(timestamp: trimmedTimestamp, candidates: candidates, stale: (timestamp, refusal))
        }
        return CheckedHeaders(timestamp: trimmedTimestamp, candidates: candidates)
    }

    /// Checks the headers and the body, in the documented order: headers present, timestamp
    /// well-formed and fresh, signature matching one of the secrets. With `allowStale`, a
    /// correctly signed request with a stale timestamp passes, and the result's `stale` says so.
    @discardableResult
    package func verify(
        timestamp timestampHeader: String?,
        signature signatureHeader: String?,
        body: UnsafeRawBufferPointer,
        now: Int64,
        allowStale: Bool = false
    ) throws(Failure) -> CheckedHeaders {
        let checked = try checkHeaders(
            timestamp: timestampHeader, signature: signatureHeader, now: now, allowStale: allowStale)
        var digest = [UInt8](repeating: 0, count: 32)
        for key in keys {
            key.sign(timestamp: checked.timestamp, body: body, into: &digest)
            for candidate in checked.candidates where ConstantTime.equal(candidate, digest) {
                return checked
            }
        }
        throw Failure(code: .badSignature, message: "signature does not match any configured secret")
    }

    /// Computes `v1=<hex>` for a body, as Moda does; used by `send`, tests and benchmarks.
    package static func signatureHeader(secret: String, timestamp: String, body: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        body.withUnsafeBytes { HMACKey(secret: Array(secret.utf8)).sign(timestamp: timestamp, body: $0, into: &digest) }
        return "v1=" + Hex.encode(digest)
    }

    /// Accepts `v1=<64 hex>`, or several separated by commas or spaces. Works on UTF-8 bytes:
    /// this runs for every request.
    private static func parseSignatures(_ header: String) throws(Failure) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var header = header
        header.withUTF8 { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: ","), bytes[end] != UInt8(ascii: " ") { end += 1 }
                if end - start == 67, bytes[start] == UInt8(ascii: "v"), bytes[start + 1] == UInt8(ascii: "1"),
                    bytes[start + 2] == UInt8(ascii: "="),
                    let digest = Hex.decode(UnsafeBufferPointer(rebasing: bytes[(start + 3)..<end]))
                {
                    result.append(digest)
                }
                start = end + 1
            }
        }
        guard !result.isEmpty else {
            throw Failure(code: .invalidHeader, message: "X-Webhook-Signature is not of the form v1=<64 hex digits>")
        }
        return result
    }

}

extension String {
    func trimmingASCIISpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
