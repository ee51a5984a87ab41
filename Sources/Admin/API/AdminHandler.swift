import NIOCore
import NIOHTTP1

/// HTTP/1.1 framing for the admin listener: collects each request (bodies up to
/// ``maxBodyBytes``), hands it to the ``AdminAPI`` and writes its answer on this channel.
///
/// Deadlines keep its 64 slots from being held: a head must arrive within `header_timeout` of
/// accept or of the previous answer, and the whole request within `request_timeout` of its head;
/// otherwise 408 (or, for an idle keep-alive connection, a quiet close).
package final class AdminHandler: ChannelInboundHandler, RemovableChannelHandler {
    package typealias InboundIn = HTTPServerRequestPart
    package typealias OutboundOut = HTTPServerResponsePart

    static let maxBodyBytes = 1 << 20

    private let api: AdminAPI
    private let headerTimeout: TimeAmount
    private let requestTimeout: TimeAmount
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false
    private var deadline: Scheduled<Void>?
    private var answered = 0
    private var waiting = false

    package init(api: AdminAPI, headerTimeout: TimeAmount, requestTimeout: TimeAmount) {
        self.api = api
        self.headerTimeout = headerTimeout
        self.requestTimeout = requestTimeout
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { schedule(headerTimeout, context: context) }
    }

    package func channelActive(context: ChannelHandlerContext) {
        schedule(headerTimeout, context: context)
        context.fireChannelActive()
    }

    package func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        context.fireChannelInactive()
    }

    private func schedule(_ timeout: TimeAmount, context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            guard !self.waiting else { return }
            guard self.head != nil || self.answered == 0 else {
                context.close(promise: nil)  // an idle keep-alive connection
                return
            }
            self.api.count(endpoint: "other", status: 408)
            self.api.refused(408, reason: "request not completed in time")
            if self.head == nil {
                // No request to answer (NIO's pipelining helper holds answers until one arrives).
                context.close(promise: nil)
            } else {
                self.writeError(context: context, status: .requestTimeout, reason: "request not completed in time")
            }
        }
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
            tooLarge = false
            schedule(requestTimeout, context: context)
        case .body(let chunk):
            if body.count + chunk.readableBytes > Self.maxBodyBytes {
                tooLarge = true
            } else {
                body.append(contentsOf: chunk.readableBytesView)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            deadline?.cancel()
            waiting = true
            if tooLarge {
                let response = AdminResponse.error(413, "body exceeds \(Self.maxBodyBytes) bytes")
                write(context: context, request: head, response: response)
                return
            }
            let request = AdminRequest(head: head, body: body)
            body = []
            let promise = context.eventLoop.makePromise(of: AdminResponse.self)
            promise.futureResult.assumeIsolated().whenSuccess { response in
                self.write(context: context, request: head, response: response)
            }
            api.handle(request) { promise.succeed($0) }
        }
    }

    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent, head == nil {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    package func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else {
            context.close(promise: nil)
            return
        }
        api.count(endpoint: "other", status: 400)
        api.refused(400, reason: "malformed HTTP request")
        writeError(context: context, status: .badRequest, reason: "malformed HTTP request")
    }

    /// An error answer outside the API (framing, deadline), then close.
    private func writeError(context: ChannelHandlerContext, status: HTTPResponseStatus, reason: String) {
        guard context.channel.isActive else { return }
        let body = AdminResponse.error(Int(status.code), reason).body
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(body.count))
        headers.add(name: "connection", value: "close")
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
            promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    private func write(context: ChannelHandlerContext, request: HTTPRequestHead, response: AdminResponse) {
        waiting = false
        answered += 1
        guard context.channel.isActive else { return }
        if request.isKeepAlive { schedule(headerTimeout, context: context) }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: response.contentType)
        headers.add(name: "content-length", value: String(response.body.count))
        headers.add(name: "connection", value: request.isKeepAlive ? "keep-alive" : "close")
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        let head = HTTPResponseHead(
            version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
        }
        let keepAlive = request.isKeepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }
}
