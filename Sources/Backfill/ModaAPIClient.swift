import RelayCore
import RelayDispatch

/// Moda's delivery-log and redelivery endpoints, over the relay's own libcurl dispatcher.
/// The API key goes only into the `Authorization` header: never into a URL, an error or a log.
package struct ModaAPIClient: Sendable {
    /// Why a call did not give its answer.
    package enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Moda answered with an error (`ModaAPIError.isAuthentication` for a refused key).
        case api(ModaAPIError)
        /// 429 or 5xx: try again after `retryAfter` seconds if Moda said, else back off.
        case throttled(ModaAPIError, retryAfter: Double?)
        /// No answer: timeout, DNS, connection refused.
        case transport(String)
        /// An answer that is not what the reference describes.
        case malformed(String)

        package var description: String {
            switch self {
            case .api(let error): return error.description
            case .throttled(let error, _): return error.description
            case .transport(let message): return "no answer from Moda's API: \(message)"
            case .malformed(let message): return "an answer of Moda's API could not be read: \(message)"
            }
        }

        /// True when a moment's wait may help.
        package var isTransient: Bool {
            switch self {
            case .throttled, .transport: return true
            case .api, .malformed: return false
            }
        }
    }

    /// The filters of one listing call.
    package struct Query: Sendable, Equatable {
        package var status: String
        package var fromMillis: Int64?
        package var toMillis: Int64?
        package var cursor: String?
        package var limit = 100

        package init(status: String, fromMillis: Int64?, toMillis: Int64?, cursor: String? = nil) {
            self.status = status
            self.fromMillis = fromMillis
            self.toMillis = toMillis
            self.cursor = cursor
        }
    }

    private let baseURL: String
    private let apiKey: String
    private let dispatcher: CurlDispatcher
    private let timeout: Duration

    /// `baseURL`: `moda_api_url`, e.g. `https://api.moda.app/v1`.
    package init(baseURL: String, apiKey: String, dispatcher: CurlDispatcher, timeout: Duration = .seconds(30)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.dispatcher = dispatcher
        self.timeout = timeout
    }

    /// One page of `GET /webhook_deliveries`.
    package func list(_ query: Query) async throws(Failure) -> DeliveryPage {
        var parameters = ["status=\(query.status)", "limit=\(query.limit)"]
        if let from = query.fromMillis {
            parameters.append("from=" + Self.queryEncode(Timestamp.rfc3339(millis: from)))
        }
        if let to = query.toMillis { parameters.append("to=" + Self.queryEncode(Timestamp.rfc3339(millis: to))) }
        if let cursor = query.cursor { parameters.append("cursor=" + Self.queryEncode(cursor)) }
        let body = try await call(.get, "/webhook_deliveries?" + parameters.joined(separator: "&"), expect: 200)
        do { return try DeliveryPage.decode(body) } catch { throw .malformed(error.description) }
    }

    /// `POST /webhook_deliveries/{id}/redeliver`; returns the new delivery's id.
    package func redeliver(_ id: String) async throws(Failure) -> String {
        guard id.hasPrefix("whd_"), id.utf8.count <= 128,
            id.utf8.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F
            })
        else { throw .malformed("'\(LogEscaping.escape(String(id.prefix(64))))' is not a delivery id") }
        let body = try await call(.post, "/webhook_deliveries/\(id)/redeliver", expect: 202)
        guard let json = try? JSONParser.parse(body), let created = json["id"]?.stringValue else {
            throw .malformed("the redelivery answer has no id")
        }
        return created
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    static func queryEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out +=
                    "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 15, radix: 16, uppercase: true)
            }
        }
        return out
    }

    private func call(_ method: OutboundRequest.Method, _ path: String, expect: Int) async throws(Failure) -> [UInt8] {
        let request = OutboundRequest(
            method: method, url: baseURL + path,
            headers: [
                ("Authorization", "Bearer \(apiKey)"), ("Moda-Version", "2026-05-01"), ("Accept", "application/json"),
                ("Content-Type", "application/json"),
            ],
            body: method == .post ? Array("{}".utf8) : [], timeout: timeout, maxResponseBytes: DeliveryPage.maximumBytes
        )
        let result: DeliveryResult = await withCheckedContinuation { continuation in
            dispatcher.submit(request) { result, _ in continuation.resume(returning: result) }
        }
        switch result {
        case .transportFailure(let failure, let message):
            throw .transport("\(failure.rawValue): \(LogEscaping.escape(message))")
        case .response(let status, let retryAfter, let text):
            let body = Array(text.utf8)
            if status == expect || (status == 200 && expect == 202) { return body }
            let error = ModaAPIError.decode(status: status, body: body)
            if status == 429 || status >= 500 {
                throw .throttled(error, retryAfter: retryAfter.flatMap(RetryHint.seconds))
            }
            throw .api(error)
        }
    }
}
