import RelayCore
import RelayDispatch
import Spool

/// Delivers a `discord` route: one message per record. A 429's JSON `retry_after` (decimal
/// seconds) is honoured like `Retry-After`, as is `X-RateLimit-Reset-After`; the later wins.
final class DiscordSink: Sink {
    private let builder: DiscordMessageBuilder

    init(builder: DiscordMessageBuilder) { self.builder = builder }

    func attempt(_ records: [SpoolRecord], atMillis: Int64) -> [SinkAttempt] {
        records.map { record in
            switch builder.request(for: record) {
            case .request(let request): return .request(request)
            case .noTemplate(let type): return .skip(reason: "no template for \(type)")
            case .undecodable(let reason): return .deadLetter(reason: reason)
            }
        }
    }

    func interpret(_ result: DeliveryResult) -> DeliveryResult {
        Self.interpret(result)
    }

    /// A 429 with `{"retry_after": 1.5, …}` gets its `retryAfter` raised to that, in whole seconds.
    static func interpret(_ result: DeliveryResult) -> DeliveryResult {
        guard case .response(429, let retryAfter, let excerpt) = result,
            let document = try? JSONParser.parse(Array(excerpt.utf8)),
            case .object(let members) = document,
            let value = members["retry_after"],
            let seconds = Self.seconds(value)
        else { return result }
        return .response(
            status: 429, retryAfter: RetryHint.combine(retryAfter: retryAfter, hintSeconds: seconds),
            bodyExcerpt: excerpt)
    }

    private static func seconds(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let text): return RetryHint.seconds(text)
        default: return nil
        }
    }
}
