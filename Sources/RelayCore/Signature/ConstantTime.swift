import COpenSSL

/// Comparisons of secrets whose time does not depend on where they differ.
package enum ConstantTime {
    /// Whether `a` and `b` are equal, in time that depends only on their length (OpenSSL's
    /// `CRYPTO_memcmp`). Different lengths are unequal at once: use it for fixed-size values
    /// such as MACs.
    package static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, pa.count) == 0 }
        }
    }

    /// Whether a secret of any length (a bearer token) equals `expected`, comparing their SHA-256
    /// digests, so not even the length of `expected` leaks.
    package static func equalSecret(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        equal(SHA256.digest(given), SHA256.digest(expected))
    }
}
