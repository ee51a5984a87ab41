import NIOHTTP1
import RelayCore

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
