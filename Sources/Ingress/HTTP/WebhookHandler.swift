import Logging
import NIOCore
import NIOHTTP1

/// HTTP/1.1 framing for the webhook path. Complete bodies go to the ``AcceptPipeline``; its
/// answer is written back on this channel's event loop.
///
/// What it enforces, and when:
/// - **Head deadline** (`header_timeout`): a request head must be complete this soon after the
///   connection is accepted, or after the previous answer. A connection that never sends a head
///   gets 408; an idle keep-alive connection is closed.
/// - **At the head**, before any body byte is read (``IngressAdmission``): path, method, the body
///   limit from `Content-Length` (413), the signature headers (missing, malformed or stale:
///   400/401), `Expect` (417 unless `100-continue`, which is then answered), and the shared
///   ``BodyBudget`` (503). Refusals are answered at once; a small body still on its way is read
///   and dropped so the connection can be kept, a large one closes it.
/// - **Request deadline** (`request_timeout`, from the head): 408 if the body does not arrive.
/// - **Pipelining with backpressure**: parts that arrive while a request is being answered are
///   queued and handled in order after the answer; once ``maxQueuedParts`` are waiting the handler
///   stops reading the socket until the queue drains, so any depth of pipelining gets every answer.
final class WebhookHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    struct Configuration: Sendable {
        var path: String
        var maxBodyBytes: Int
        var requestTimeout: TimeAmount
        var headerTimeout: TimeAmount
    }

    private enum State {
        /// Waiting for the next head; the head deadline runs.
        case idle
        case receiving(HTTPRequestHead, ByteBuffer)
        /// The request will be refused once it ends; its body is skipped.
        case discarding(HTTPRequestHead, IngressOutcome)
        /// Already answered (refused at the head); the rest of a small body is skipped.
        case draining(keepAlive: Bool)
        /// The body is complete and the pipeline is deciding.
        case answering
        /// An answer that closes the connection was written.
        case closing
    }

    /// Parts queued while answering before reads stop.
    static let maxQueuedParts = 256

    private let configuration: Configuration
    private let pipeline: AcceptPipeline
    private let admission: IngressAdmission
    private let budget: BodyBudget
    private let metrics: RelayMetrics
    private let logger: Logger
    private var state = State.idle
    private var started = NIODeadline.now()
    private var deadline: Scheduled<Void>?
    /// Body bytes of the current request taken from the shared budget.
    private var reserved = 0
    private var answered = 0
    /// Request parts received while answering; handled in order afterwards.
    private var queued = CircularBuffer<HTTPServerRequestPart>()
    /// A `read` held back while the queue is full.
    private var heldRead = false

    init(
        configuration: Configuration, pipeline: AcceptPipeline, budget: BodyBudget, metrics: RelayMetrics,
        logger: Logger
    ) {
        self.configuration = configuration
        self.pipeline = pipeline
        self.admission = IngressAdmission(
            path: configuration.path, maxBodyBytes: configuration.maxBodyBytes, pipeline: pipeline, budget: budget)
        self.budget = budget
        self.metrics = metrics
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { scheduleHeadDeadline(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        scheduleHeadDeadline(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .answering = state {
            queued.append(part)
            return
        }
        handle(part, context: context)
    }

    /// Holds reads back while the pipelining queue is full (backpressure instead of a close).
    func read(context: ChannelHandlerContext) {
        if queued.count >= Self.maxQueuedParts {
            heldRead = true
            return
        }
        context.read()
    }

    private func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            guard case .idle = state else { return }
            started = .now()
            schedule(configuration.requestTimeout, context: context)
            switch admission.admit(head, nowSeconds: pipeline.nowMillis() / 1000) {
            case .accept(let reservation, let expectsContinue):
                reserved = reservation
                state = .receiving(head, ByteBuffer())
                if expectsContinue {
                    context.writeAndFlush(
                        wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))),
                        promise: nil)
                }
            case .discard(let outcome):
                state = .discarding(head, outcome)
            case .refuse(let outcome, let drainBody):
                let keepAlive = drainBody && head.isKeepAlive
                respond(context: context, keepAlive: keepAlive, outcome: outcome)
                state = drainBody ? .draining(keepAlive: keepAlive) : .closing
            }
        case .body(var chunk):
            guard case .receiving(let head, var body) = state else { return }
            let size = body.readableBytes + chunk.readableBytes
            if size > configuration.maxBodyBytes {
                respond(
                    context: context, keepAlive: false, outcome: IngressAdmission.tooLarge(configuration.maxBodyBytes))
                state = .closing
                return
            }
            if size > reserved {
                guard budget.reserve(size - reserved) else {
                    respond(context: context, keepAlive: false, outcome: IngressAdmission.overloaded)
                    state = .closing
                    return
                }
                reserved = size
            }
            state = .answering  // release the buffer's other reference before writing into it
            body.writeBuffer(&chunk)
            state = .receiving(head, body)
        case .end:
            switch state {
            case .discarding(let head, let outcome):
                respond(context: context, keepAlive: head.isKeepAlive, outcome: outcome)
                finishRequest(context: context, keepAlive: head.isKeepAlive)
            case .draining(let keepAlive):
                finishRequest(context: context, keepAlive: keepAlive)
            case .receiving(let head, let body):
                state = .answering
                cancelDeadline()
                dispatch(context: context, head: head, body: body)
            default:
                break
            }
        }
    }

    /// The request is over: back to idle (head deadline running) or closing.
    private func finishRequest(context: ChannelHandlerContext, keepAlive: Bool) {
        budget.release(reserved)
        reserved = 0
        answered += 1
        state = keepAlive ? .idle : .closing
        if keepAlive { scheduleHeadDeadline(context: context) }
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
        cancelDeadline()
        budget.release(reserved)
        reserved = 0
        queued.removeAll()
        context.fireChannelInactive()
    }

    private func dispatch(context: ChannelHandlerContext, head: HTTPRequestHead, body: ByteBuffer) {
        let promise = context.eventLoop.makePromise(of: IngressOutcome.self)
        promise.futureResult.assumeIsolated().whenSuccess { outcome in
            self.respond(context: context, keepAlive: head.isKeepAlive, outcome: outcome, logged: true)
            guard case .answering = self.state else { return }
            self.finishRequest(context: context, keepAlive: head.isKeepAlive)
            self.replayQueued(context: context)
        }
        pipeline.accept(
            timestamp: head.headers.first(name: "x-webhook-timestamp"),
            signature: head.headers.first(name: "x-webhook-signature"),
            body: Array(body.readableBytesView),
            answer: { promise.succeed($0) })
    }

    /// Handles parts that arrived while answering, until the next request needs answering; lets
    /// reads resume once the queue is short again.
    private func replayQueued(context: ChannelHandlerContext) {
        while let part = queued.first {
            if case .answering = state { break }
            if case .closing = state {
                queued.removeAll()
                break
            }
            queued.removeFirst()
            handle(part, context: context)
        }
        if heldRead, queued.count < Self.maxQueuedParts / 2 {
            heldRead = false
            context.read()
        }
    }

    private func scheduleHeadDeadline(context: ChannelHandlerContext) {
        schedule(configuration.headerTimeout, context: context)
    }

    private func schedule(_ timeout: TimeAmount, context: ChannelHandlerContext) {
        cancelDeadline()
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.deadlinePassed(context: context)
        }
    }

    private func deadlinePassed(context: ChannelHandlerContext) {
        switch state {
        case .idle where answered == 0:
            respond(
                context: context, keepAlive: false,
                outcome: .rejected(408, .headerTimeout, "no complete request head within the header timeout"))
            state = .closing
        case .idle, .draining:
            // An idle keep-alive connection, or the rest of an answered request: close quietly.
            state = .closing
            context.close(promise: nil)
        case .receiving, .discarding:
            respond(
                context: context, keepAlive: false,
                outcome: .rejected(408, .requestTimeout, "request not completed within the request timeout"))
            state = .closing
        case .answering, .closing:
            break
        }
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }

    /// Writes `outcome`. `logged`: the accept pipeline decided it and logged it already; every
    /// other rejection is decided here and logged here.
    private func respond(context: ChannelHandlerContext, keepAlive: Bool, outcome: IngressOutcome, logged: Bool = false)
    {
        guard context.channel.isActive else { return }
        cancelDeadline()
        metrics.record(outcome.outcome)
        if outcome.isSuccess {
            metrics.ackLatency.recordNanoseconds(Int64((NIODeadline.now() - started).nanoseconds))
        } else if !logged {
            logger.warning(
                "webhook rejected",
                metadata: [
                    "relay.reason": "\(outcome.reason)", "relay.status": "\(outcome.status)",
                    "relay.outcome": "\(outcome.outcome.rawValue)",
                    "relay.peer": "\(context.channel.remoteAddress?.ipAddress ?? "?")",
                ])
        }
        IngressResponse.write(outcome, keepAlive: keepAlive, to: context)
    }
}
