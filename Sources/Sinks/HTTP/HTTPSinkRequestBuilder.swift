import RelayCore
import RelayDispatch
import Spool

/// Builds the POST an `http` route sends for one spooled event: the original body byte for
/// byte, `Content-Type: application/json`, the event's id and type, the route's static
/// headers, and, with `sign_secret`, Standard Webhooks headers (`webhook-id` is the event's
/// dedupe key, stable across retries; `webhook-timestamp` is the attempt's time).
package struct HTTPSinkRequestBuilder: Sendable {
    package let url: String
    package let headers: [(String, String)]
    package let signer: StandardWebhooksSigner?
    package let timeout: Duration

    package init(url: String, headers: [(String, String)], signSecret: String?, timeout: Duration)
        throws(StandardWebhooksSigner.InvalidSecret)
    {
        self.url = url
        self.headers = headers
        self.signer = try signSecret.map { secret throws(StandardWebhooksSigner.InvalidSecret) in
            try StandardWebhooksSigner(secret: secret)
        }
        self.timeout = timeout
    }

    /// The request for `record`, attempted at `nowSeconds`.
    package func request(for record: SpoolRecord, nowSeconds: Int64) -> OutboundRequest {
        var all: [(String, String)] = [
            ("Content-Type", "application/json"), ("User-Agent", "moda-relay"),
            (SinkHeaders.eventID, record.dedupeKey), (SinkHeaders.eventType, record.eventType),
        ]
        all += headers
        if let signer { all += signer.headers(id: record.dedupeKey, timestamp: nowSeconds, body: record.body) }
        return OutboundRequest(url: url, headers: all, body: record.body, timeout: timeout)
    }
}
