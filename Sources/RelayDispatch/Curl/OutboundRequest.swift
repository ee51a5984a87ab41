/// One HTTP request: a POST to a sink endpoint, or a call of the CLI to the admin API.
package struct OutboundRequest: Sendable {
    package enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
    }

    package var method: Method
    package var url: String
    package var headers: [(String, String)]
    package var body: [UInt8]
    /// Total time allowed for the attempt (connect included).
    package var timeout: Duration
    /// Most bytes of the answer kept: the 2 KB excerpt for deliveries, more for the admin CLI.
    package var maxResponseBytes: Int
    /// PEM file of CA certificates to trust instead of the system's (HTTPS to a private CA).
    package var caFile: String?
    /// Lower-case names of answer headers that, like `Retry-After`, say in (possibly fractional)
    /// seconds when to try again: Discord's `x-ratelimit-reset-after`. The later of them and
    /// `Retry-After` becomes the result's `retryAfter`, rounded up to whole seconds.
    package var retryHintHeaders: [String]

    package init(
        method: Method = .post, url: String, headers: [(String, String)], body: [UInt8], timeout: Duration,
        maxResponseBytes: Int = 2048, caFile: String? = nil, retryHintHeaders: [String] = []
    ) {
        self.retryHintHeaders = retryHintHeaders
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.caFile = caFile
    }
}
