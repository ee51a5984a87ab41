import NIOCore
import NIOHTTP1

/// Writes the ingress's JSON answers: status, `{"ok":…,"reason":…}`, and whether the connection
/// stays open.
enum IngressResponse {
    /// Writes `outcome` as a complete response on `context`'s channel; closes it after unless
    /// `keepAlive`.
    static func write(_ outcome: IngressOutcome, keepAlive: Bool, to context: ChannelHandlerContext) {
        let body = outcome.jsonBody
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(body.utf8.count))
        headers.add(name: "connection", value: keepAlive ? "keep-alive" : "close")
        if outcome.status == 405 { headers.add(name: "allow", value: "POST") }
        let head = HTTPResponseHead(
            version: .http1_1, status: HTTPResponseStatus(statusCode: outcome.status), headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        let buffer = context.channel.allocator.buffer(string: body)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
        if keepAlive {
            context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
        } else {
            context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }
}
