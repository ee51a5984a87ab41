import RelayCore

/// Discord's answers to a webhook over its rate limit: a 429 whose JSON `retry_after` (decimal
/// seconds) is honoured like `Retry-After`, as is `X-RateLimit-Reset-After` (read by the
/// dispatcher as a retry hint); the later wins.
package enum DiscordRateLimit {
    /// A 429 with `{"retry_after": 1.5, …}` gets its `retryAfter` raised to that, in whole seconds.
    package static func interpret(_ result: DeliveryResult) -> DeliveryResult {
        guard case .response(429, let retryAfter, let excerpt) = result,
            let document = try? JSONParser.parse(Array(excerpt.utf8)),
            case .object(let members) = document,
            case .number(let text)? = members["retry_after"],
            let seconds = RetryHint.seconds(text)
        else { return result }
        return .response(
            status: 429, retryAfter: RetryHint.combine(retryAfter: retryAfter, hintSeconds: seconds),
            bodyExcerpt: excerpt)
    }
}
