import NIOCore
import NIOHTTP1

/// Writes the ingress's JSON answers: status, `{"ok":…,"reason":…}`, and whether the connection
/// stays open.
///
/// The response is serialized here, head and body into one buffer, and written as bytes: the
/// ingress pipeline has no HTTP response encoder. Every header is fixed text or a number; the
/// reason phrase comes from ``HTTPResponseStatus``, and the body is JSON with escaped strings,
/// so nothing from a request can reach the head.
enum IngressResponse {
    /// Writes `outcome` as a complete response on `context`'s channel; closes it after unless
    /// `keepAlive`.
    static func write(_ outcome: IngressOutcome, keepAlive: Bool, to context: ChannelHandlerContext) {
        let buffer = serialize(outcome, keepAlive: keepAlive, allocator: context.channel.allocator)
        if keepAlive {
            context.writeAndFlush(NIOAny(buffer), promise: nil)
        } else {
            context.writeAndFlush(NIOAny(buffer)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }

    /// The bytes of `outcome`'s response: status line, headers, body.
    static func serialize(_ outcome: IngressOutcome, keepAlive: Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        let body = outcome.jsonBody
        let status = HTTPResponseStatus(statusCode: outcome.status)
        var buffer = allocator.buffer(capacity: 160 + body.utf8.count)
        buffer.writeStaticString("HTTP/1.1 ")
        buffer.writeString(String(status.code))
        buffer.writeStaticString(" ")
        buffer.writeString(status.reasonPhrase)
        buffer.writeStaticString("\r\ncontent-type: application/json\r\ncontent-length: ")
        buffer.writeString(String(body.utf8.count))
        if keepAlive {
            buffer.writeStaticString("\r\nconnection: keep-alive\r\n")
        } else {
            buffer.writeStaticString("\r\nconnection: close\r\n")
        }
        if outcome.status == 405 { buffer.writeStaticString("allow: POST\r\n") }
        buffer.writeStaticString("\r\n")
        buffer.writeString(body)
        return buffer
    }

    /// `100 Continue`: the client may send the body.
    static func `continue`(_ allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 25)
        buffer.writeStaticString("HTTP/1.1 100 Continue\r\n\r\n")
        return buffer
    }
}
