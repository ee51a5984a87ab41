import COpenSSL

/// An HMAC-SHA256 key prepared once (OpenSSL `EVP_MAC_CTX`), copied for each message.
final class HMACKey: @unchecked Sendable {
    // Immutable after init; OpenSSL allows concurrent EVP_MAC_CTX_dup of a shared context.
    private let context: OpaquePointer

    init(secret: [UInt8]) {
        guard let context = secret.withUnsafeBytes({ relay_hmac_sha256_new($0.baseAddress, $0.count) }) else {
            fatalError("OpenSSL could not create an HMAC-SHA256 context")
        }
        self.context = context
    }

    deinit { EVP_MAC_CTX_free(context) }

    /// HMAC(key, prefix + body), 32 bytes.
    func mac(prefix: [UInt8], body: UnsafeRawBufferPointer) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        let ok = prefix.withUnsafeBytes { head in
            digest.withUnsafeMutableBufferPointer { out in
                relay_hmac_sha256_3(
                    context, head.baseAddress, head.count, body.baseAddress, body.count, nil, 0, out.baseAddress)
            }
        }
        precondition(ok == 1, "OpenSSL HMAC-SHA256 failed")
        return digest
    }

    /// Writes HMAC(key, timestamp + "." + body) into `digest` (32 bytes).
    func sign(timestamp: String, body: UnsafeRawBufferPointer, into digest: inout [UInt8]) {
        var timestamp = timestamp
        let ok = timestamp.withUTF8 { ts in
            digest.withUnsafeMutableBufferPointer { out in
                withUnsafeBytes(of: UInt8(ascii: ".")) { dot in
                    relay_hmac_sha256_3(
                        context, ts.baseAddress, ts.count, dot.baseAddress, 1,
                        body.baseAddress, body.count, out.baseAddress)
                }
            }
        }
        precondition(ok == 1, "OpenSSL HMAC-SHA256 failed")
    }
}
