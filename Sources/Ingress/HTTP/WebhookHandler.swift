import Logging
import NIOCore
import NIOHTTP1

/// HTTP/1.1 framing for the webhook path: method and path checks, the body limit (413 without
/// reading the rest), the per-request deadline, keep-alive. Complete bodies go to the
/// ``AcceptPipeline``; its answer is written back on this channel's event loop.
///
/// The handler owns HTTP/1.1 pipelining: parts that arrive while a request is being answered
/// are queued (up to ``maxQueuedParts``) and handled, in order, after the answer. This keeps
/// the socket readable throughout, instead of NIO's pipeline helper turning reads off and on
/// (two `epoll_ctl` calls) for every request.
final class WebhookHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    struct Configuration: Sendable {
        var path: String
        var maxBodyBytes: Int
        var requestTimeout: TimeAmount
    }

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer)
        /// The request will be refused once it ends; its body is skipped.
        case discarding(HTTPRequestHead, IngressOutcome)
        /// The body is complete and the pipeline is deciding.
        case answering
        /// An answer that closes the connection was written.
        case closing
    }

    private let configuration: Configuration
    private let pipeline: AcceptPipeline
    private let metrics: RelayMetrics
    private let logger: Logger
    private var state = State.idle
    private var started = NIODeadline.now()
    private var timeout: Scheduled<Void>?
    /// Request parts received while answering; replayed in order afterwards.
    private var queued: [HTTPServerRequestPart] = []
    static let maxQueuedParts = 256

    init(configuration: Configuration, pipeline: AcceptPipeline, metrics: RelayMetrics, logger: Logger) {
        self.configuration = configuration
        self.pipeline = pipeline
        self.metrics = metrics
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .answering = state {
            queued.append(part)
            if queued.count > Self.maxQueuedParts { context.close(promise: nil) }
            return
        }
        handle(part, context: context)
    }

    private func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        if case .closing = state { return }
        switch part {
        case .head(let head):
            started = .now()
            scheduleTimeout(context: context)
            state = admit(head)
            if case .discarding(_, let outcome) = state, outcome.status == 413 {
                // Refuse now; never read the rest of an oversized body.
                respond(context: context, keepAlive: false, outcome: outcome)
                state = .closing
            }
        case .body(var chunk):
            guard case .receiving(let head, var body) = state else { return }
            if body.readableBytes + chunk.readableBytes > configuration.maxBodyBytes {
                respond(context: context, keepAlive: false, outcome: Self.tooLarge(configuration.maxBodyBytes))
                state = .closing
                return
            }
            state = .answering  // release the buffer's other reference before writing into it
            body.writeBuffer(&chunk)
            state = .receiving(head, body)
        case .end:
            switch state {
            case .discarding(let head, let outcome):
                respond(context: context, keepAlive: head.isKeepAlive, outcome: outcome)
                state = head.isKeepAlive ? .idle : .closing
            case .receiving(let head, let body):
                state = .answering
                cancelTimeout()
                dispatch(context: context, head: head, body: body)
            default:
                break
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent, case .idle = state {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Malformed HTTP (the decoder's errors): a 400 with a reason, counted and logged, then close.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError {
            switch state {
            case .closing: break
            default:
                respond(
                    context: context, keepAlive: false,
                    outcome: .rejected(400, .malformedRequest, "malformed HTTP request: \(error)"))
                state = .closing
            }
            return
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimeout()
        context.fireChannelInactive()
    }

    private func admit(_ head: HTTPRequestHead) -> State {
        let path =
            head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard path == configuration.path else {
            return .discarding(
                head, .rejected(404, .notFound, "no such path; webhooks are accepted at \(configuration.path)"))
        }
        guard head.method == .POST else {
            return .discarding(
                head, .rejected(405, .methodNotAllowed, "method \(head.method.rawValue) not allowed; use POST"))
        }
        if let length = head.headers.first(name: "content-length").flatMap(Int.init),
            length > configuration.maxBodyBytes
        {
            return .discarding(head, Self.tooLarge(configuration.maxBodyBytes))
        }
        return .receiving(head, ByteBuffer())
    }

    private static func tooLarge(_ limit: Int) -> IngressOutcome {
        .rejected(413, .tooLarge, "body exceeds the limit of \(limit) bytes")
    }

    private func dispatch(context: ChannelHandlerContext, head: HTTPRequestHead, body: ByteBuffer) {
        let promise = context.eventLoop.makePromise(of: IngressOutcome.self)
        promise.futureResult.assumeIsolated().whenSuccess { outcome in
            self.respond(context: context, keepAlive: head.isKeepAlive, outcome: outcome)
            guard case .answering = self.state else { return }
            self.state = head.isKeepAlive ? .idle : .closing
            self.replayQueued(context: context)
        }
        pipeline.accept(
            timestamp: head.headers.first(name: "x-webhook-timestamp"),
            signature: head.headers.first(name: "x-webhook-signature"),
            body: Array(body.readableBytesView),
            answer: { promise.succeed($0) })
    }

    /// Handles parts that arrived while answering, until the next request needs answering.
    private func replayQueued(context: ChannelHandlerContext) {
        while !queued.isEmpty {
            if case .answering = state { return }
            if case .closing = state {
                queued.removeAll()
                return
            }
            handle(queued.removeFirst(), context: context)
        }
    }

    private func scheduleTimeout(context: ChannelHandlerContext) {
        cancelTimeout()
        timeout = context.eventLoop.assumeIsolated().scheduleTask(in: configuration.requestTimeout) {
            switch self.state {
            case .receiving, .discarding:
                self.respond(
                    context: context, keepAlive: false,
                    outcome: .rejected(408, .requestTimeout, "request not completed within the request timeout"))
                self.state = .closing
            default:
                break
            }
        }
    }

    private func cancelTimeout() {
        timeout?.cancel()
        timeout = nil
    }

    private func respond(context: ChannelHandlerContext, keepAlive: Bool, outcome: IngressOutcome) {
        guard context.channel.isActive else { return }
        cancelTimeout()
        metrics.record(outcome.outcome)
        if outcome.isSuccess {
            metrics.ackLatency.recordNanoseconds(Int64((NIODeadline.now() - started).nanoseconds))
        } else if outcome.status != 503, outcome.outcome.isHTTPLevel {
            // Pipeline rejections log themselves; these happen before the pipeline.
            logger.warning(
                "webhook rejected",
                metadata: [
                    "relay.reason": "\(outcome.reason)", "relay.status": "\(outcome.status)",
                    "relay.outcome": "\(outcome.outcome.rawValue)",
                ])
        }
        let body = outcome.jsonBody
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(body.utf8.count))
        headers.add(name: "connection", value: keepAlive ? "keep-alive" : "close")
        if outcome.status == 405 { headers.add(name: "allow", value: "POST") }
        let head = HTTPResponseHead(
            version: .http1_1, status: HTTPResponseStatus(statusCode: outcome.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }
}

extension RelayMetrics.Outcome {
    /// Outcomes decided by HTTP framing rather than by the accept pipeline.
    var isHTTPLevel: Bool {
        switch self {
        case .tooLarge, .methodNotAllowed, .notFound, .requestTimeout, .malformedRequest: return true
        default: return false
        }
    }
}
