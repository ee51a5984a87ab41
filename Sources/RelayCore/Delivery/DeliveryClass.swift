/// How an attempt's result is classed (the "is this retryable?" half; ``RetryMachine`` decides
/// when).
package enum DeliveryClass: Sendable, Equatable {
    case delivered
    /// Worth trying again: 408, 425, 429, 5xx, timeouts, DNS and connection errors.
    case retryable(reason: String)
    /// Never worth trying again: other 4xx (and Slack's error answers).
    case permanent(reason: String)
    /// 410 Gone: the endpoint is gone for good; dead-letter and pause the sink.
    case gone(reason: String)

    /// Classes a result. For Slack sinks, error bodies (`invalid_payload`, `channel_not_found`, …)
    /// on a 4xx other than 408/425/429 are permanent like any other 4xx.
    package static func of(_ result: DeliveryResult) -> DeliveryClass {
        switch result {
        case .transportFailure(let failure, let message):
            return .retryable(reason: "\(failure.rawValue): \(message)")
        case .response(let status, _, let body):
            let detail = body.isEmpty ? "" : ": " + String(body.prefix(200))
            switch status {
            case 200..<300: return .delivered
            case 408, 425, 429, 500..<600: return .retryable(reason: "HTTP \(status)\(detail)")
            case 410: return .gone(reason: "HTTP 410 Gone\(detail)")
            case 300..<400:
                // A redirect is not followed (the body would be re-sent to wherever it points).
                return .permanent(reason: "HTTP \(status): redirects are not followed: use the final URL\(detail)")
            default: return .permanent(reason: "HTTP \(status)\(detail)")
            }
        }
    }
}
