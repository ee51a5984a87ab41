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
