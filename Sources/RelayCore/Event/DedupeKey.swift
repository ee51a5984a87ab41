import COpenSSL

/// A fixed-size fingerprint of an event's dedupe key: the first 128 bits of its SHA-256.
///
/// The seen-set stores these instead of the keys themselves so that its memory and its log
/// stay small; 128 bits make an accidental collision (which would acknowledge a new event as a
/// duplicate) practically impossible.
package struct DedupeKey: Hashable, Sendable, CustomStringConvertible {
    package var high: UInt64
    package var low: UInt64

    package init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The fingerprint of `key`.
    package init(_ key: String) {
        var digest = [UInt8](repeating: 0, count: 32)
        var key = key
        let ok = key.withUTF8 { utf8 in
            digest.withUnsafeMutableBufferPointer { relay_sha256(utf8.baseAddress, utf8.count, $0.baseAddress) }
        }
        precondition(ok == 1, "OpenSSL SHA-256 failed")
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<8 {
            high = high << 8 | UInt64(digest[index])
            low = low << 8 | UInt64(digest[index + 8])
        }
        self.init(high: high, low: low)
    }

    package var description: String {
        Hex.encode(withUnsafeBytes(of: high.bigEndian) { Array($0) } + withUnsafeBytes(of: low.bigEndian) { Array($0) })
    }
}
