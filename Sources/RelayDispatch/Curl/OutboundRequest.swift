/// One HTTP POST to a sink endpoint.
package struct OutboundRequest: Sendable {
    package var url: String
    package var headers: [(String, String)]
    package var body: [UInt8]
    /// Total time allowed for the attempt (connect included).
    package var timeout: Duration

    package init(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) {
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}
