import NIOCore
import NIOHTTP1

/// The admin listener's endpoints: `/healthz`, `/readyz`, `/metrics`.
final class AdminHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let readiness: @Sendable () -> Readiness
    private let metrics: @Sendable () -> [UInt8]
    private var head: HTTPRequestHead?

    init(readiness: @escaping @Sendable () -> Readiness, metrics: @escaping @Sendable () -> [UInt8]) {
        self.readiness = readiness
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            route(context: context, head: head)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent, head == nil {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError {
            var headers = HTTPHeaders()
            let body = "{\"ok\":false,\"reason\":\"malformed HTTP request\"}"
            headers.add(name: "content-type", value: "application/json")
            headers.add(name: "content-length", value: String(body.utf8.count))
            headers.add(name: "connection", value: "close")
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))),
                promise: nil)
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
            return
        }
        context.close(promise: nil)
    }

    private func route(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
        guard head.method == .GET || head.method == .HEAD else {
            respond(context, head, 405, json: "{\"ok\":false,\"reason\":\"method not allowed\"}")
            return
        }
        switch path {
        case "/healthz":
            respond(context, head, 200, json: "{\"ok\":true}")
        case "/readyz":
            let ready = readiness()
            respond(context, head, ready.isReady ? 200 : 503, json: ready.json)
        case "/metrics":
            var buffer = context.channel.allocator.buffer(capacity: 8192)
            buffer.writeBytes(metrics())
            respond(context, head, 200, body: buffer, contentType: "text/plain; version=0.0.4; charset=utf-8")
        default:
            respond(context, head, 404, json: "{\"ok\":false,\"reason\":\"no such endpoint\"}")
        }
    }

    private func respond(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ status: Int, json: String) {
        respond(
            context, head, status, body: context.channel.allocator.buffer(string: json), contentType: "application/json"
        )
    }

    private func respond(
        _ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ status: Int, body: ByteBuffer,
        contentType: String
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: contentType)
        headers.add(name: "content-length", value: String(body.readableBytes))
        headers.add(name: "connection", value: request.isKeepAlive ? "keep-alive" : "close")
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if request.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        let keepAlive = request.isKeepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }
}

/// The answer of `/readyz`: ready, or not with reasons; warnings (disabled routes) either way.
package struct Readiness: Sendable {
    package var problems: [String]
    package var warnings: [String]

    package var isReady: Bool { problems.isEmpty }

    package var json: String {
        var out = "{\"ok\":\(isReady)"
        out += ",\"reasons\":["
        out += problems.map { item in
            var s = ""; JSONText.escape(item, into: &s); return s
        }.joined(separator: ",")
        out += "],\"warnings\":["
        out += warnings.map { item in
            var s = ""; JSONText.escape(item, into: &s); return s
        }.joined(separator: ",")
        out += "]}"
        return out
    }
}
