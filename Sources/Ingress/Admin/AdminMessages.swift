import NIOHTTP1
import RelayCore

/// One request to the admin listener, complete.
struct AdminRequest: Sendable {
    var method: String
    var path: String
    var query: [String: String]
    var authorization: String?
    /// The `Host` header, if any (HTTP/1.0 clients may omit it).
    var host: String?
    var contentType: String?
    var body: [UInt8]

    init(head: HTTPRequestHead, body: [UInt8]) {
        method = head.method.rawValue
        let parts = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = parts.first.map(String.init) ?? "/"
        query = parts.count > 1 ? AdminQuery.parse(parts[1]) : [:]
        authorization = head.headers.first(name: "authorization")
        host = head.headers.first(name: "host")
        contentType = head.headers.first(name: "content-type")
        self.body = body
    }
}

/// An admin answer: JSON unless it is the metrics text.
struct AdminResponse: Sendable {
    var status: Int
    var body: [UInt8]
    var contentType = "application/json"
    var headers: [(String, String)] = []

    static func json(_ status: Int, _ value: JSONValue) -> AdminResponse {
        AdminResponse(status: status, body: Array(value.compactJSON.utf8))
    }

    /// `{"ok":false,"reason":…}`.
    static func error(_ status: Int, _ reason: String) -> AdminResponse {
        json(status, .object(["ok": .bool(false), "reason": .string(reason)]))
    }
}

extension JSONValue {
    static func int<Integer: BinaryInteger>(_ value: Integer) -> JSONValue { .number(String(value)) }

    static func seconds(_ value: Double) -> JSONValue {
        .number(String(format3(value)))
    }

    static func time(millis: Int64) -> JSONValue { .string(Timestamp.rfc3339(millis: millis)) }

    static func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    /// Three decimals, as JSON numbers are written (no exponent).
    private static func format3(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e15 else { return value.isNaN ? "0.000" : value < 0 ? "-1e15" : "1e15" }
        let millis = (value * 1000).rounded()
        let sign = millis < 0 ? "-" : ""
        let whole = Int64(abs(millis))
        let fraction = String(whole % 1000)
        return sign + String(whole / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
