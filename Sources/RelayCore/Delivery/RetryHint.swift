/// Retry hints in seconds that are not `Retry-After` itself: Discord's `X-RateLimit-Reset-After`
/// header and `retry_after` body field, both decimal seconds such as `1.337`.
package enum RetryHint {
    /// The longest hint honoured: a day. Longer values are taken as a day, so a hostile or
    /// broken answer cannot park a sink for years.
    package static let maximumSeconds = 86_400.0

    /// Decimal seconds (`2`, `0.25`, `1.337`), or nil if `text` is not a plain non-negative
    /// number. Capped at ``maximumSeconds``.
    package static func seconds(_ text: String) -> Double? {
        let trimmed = text.trimmingASCIISpaces()
        guard !trimmed.isEmpty, trimmed.utf8.count <= 32,
            trimmed.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }),
            let value = Double(trimmed), value.isFinite, value >= 0
        else { return nil }
        return min(value, maximumSeconds)
    }

    /// `Retry-After` as the result carries it, raised to a hint when the hint is later: whole
    /// seconds, rounded up. An HTTP-date `Retry-After` is kept as it is.
    package static func combine(retryAfter: String?, hintSeconds: Double?) -> String? {
        guard let hintSeconds else { return retryAfter }
        let hint = Int64(min(hintSeconds, maximumSeconds).rounded(.up))
        guard let retryAfter else { return String(hint) }
        let trimmed = retryAfter.trimmingASCIISpaces()
        if !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            guard let current = Int64(trimmed.prefix(12)) else { return retryAfter }
            return current >= hint ? retryAfter : String(hint)
        }
        return retryAfter
    }
}
