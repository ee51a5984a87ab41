import CoreMetrics
import Logging
import NIOCore
import NIOHTTP1
import Telemetry

/// HTTP/1.1 framing for the webhook path. Complete bodies go to the ``AcceptPipeline``; its
/// answer is written back on this channel's event loop.
///
/// What it enforces, and when:
/// - **Head deadline** (`header_timeout`): a request head must be complete this soon after the
///   connection is accepted, or after the previous answer. A connection that never sends a head
///   gets 408; an idle keep-alive connection is closed.
/// - **At the head**, before any body byte is read (``IngressAdmission``): path, method, the body
///   limit from `Content-Length` (413), the signature headers (missing, malformed or stale:
///   400/401), `Expect` (417 unless `100-continue`, which is then answered). Refusals are
///   answered at once; a small body still on its way is read and dropped so the connection can
///   be kept, a large one closes it.
/// - **As body bytes arrive**: the shared ``BodyBudget`` (total, per peer, large bodies; 503).
/// - **While waiting for a head**, the connection may be evicted to make room for a new one
///   (``ConnectionLimiter``): 408 if it never sent a request, a quiet close if it is an idle
///   keep-alive one.
/// - **Request deadline** (`request_timeout`, from the head): 408 if the body does not arrive.
/// - **Commit deadline** (`commit_timeout`, from the end of the body): 503 if the event is not
///   durable by then (a hung disk), and the connection closes; the commit's late outcome is dropped.
/// - **Idle timeout** (`idle_timeout`): a connection that neither sends nor receives a byte for
///   this long is closed (never while its own answer is being decided).
/// - **Pipelining with backpressure**: parts that arrive while a request is being answered are
///   queued and handled in order after the answer; once ``maxQueuedParts`` are waiting the handler
///   stops reading the socket until the queue drains, so any depth of pipelining gets every answer.
///
/// It sits right after NIO's HTTP/1.1 request decoder and writes its answers as bytes it
/// serializes itself (``IngressResponse``): there is no response encoder or idle handler in the
/// pipeline. Its deadlines are lazy: a request moves a stored instant, and the one timer of the
/// connection, when it fires, either acts or re-arms for the instant now due, so keep-alive
/// requests schedule and cancel no timers.
package final class WebhookHandler: ChannelDuplexHandler, RemovableChannelHandler {
    package typealias InboundIn = HTTPServerRequestPart
    package typealias OutboundIn = ByteBuffer
    package typealias OutboundOut = ByteBuffer

    /// Parts queued while answering before reads stop.
    static let maxQueuedParts = 256

    enum State {
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

    let configuration: Configuration
    let pipeline: AcceptPipeline
    let admission: IngressAdmission
    let budget: BodyBudget
    let limiter: ConnectionLimiter?
    let metrics: RelayMetrics
    let logger: Logger
    var state = State.idle
    var started = NIODeadline.now()
    /// When the current state's deadline passes (head or request deadline); nil when none runs.
    var deadline: NIODeadline?
    /// The last byte read or answer written (for the idle timeout).
    var lastActivity = NIODeadline.now()
    /// The connection's one timer and the instant it fires at.
    var timer: (task: Scheduled<Void>, at: NIODeadline)?
    /// Body bytes of the current request taken from the shared budget, whether they count as a
    /// large body's, and the peer they count against.
    var reserved = 0
    var largeBody = false
    var peer: String?
    var answered = 0
    /// Request parts received while answering; handled in order afterwards.
    var queued = CircularBuffer<HTTPServerRequestPart>()
    /// A `read` held back while the queue is full.
    var heldRead = false

    package init(
        configuration: Configuration, pipeline: AcceptPipeline, budget: BodyBudget, limiter: ConnectionLimiter? = nil,
        metrics: RelayMetrics, logger: Logger
    ) {
        self.configuration = configuration
        self.pipeline = pipeline
        self.admission = IngressAdmission(
            path: configuration.path, maxBodyBytes: configuration.maxBodyBytes, pipeline: pipeline)
        self.budget = budget
        self.limiter = limiter
        self.metrics = metrics
        self.logger = logger
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { scheduleHeadDeadline(context: context) }
    }

    package func channelActive(context: ChannelHandlerContext) {
        scheduleHeadDeadline(context: context)
        context.fireChannelActive()
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        lastActivity = .now()
        if case .answering = state {
            queued.append(part)
            return
        }
        handle(part, context: context)
    }

    /// Holds reads back while the pipelining queue is full (backpressure instead of a close).
    package func read(context: ChannelHandlerContext) {
        if queued.count >= Self.maxQueuedParts {
            heldRead = true
            return
        }
        context.read()
    }

    func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            guard case .idle = state else { return }
            limiter?.gotHead(ObjectIdentifier(context.channel))
            started = lastActivity
            schedule(configuration.requestTimeout, context: context)
            switch admission.admit(head, nowSeconds: pipeline.nowMillis() / 1000) {
            case .accept(let large, let expectsContinue):
                largeBody = large
                state = .receiving(head, ByteBuffer())
                if expectsContinue {
                    context.writeAndFlush(
                        wrapOutboundOut(IngressResponse.continue(context.channel.allocator)), promise: nil)
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
                if let refusal = budget.reserve(size - reserved, peer: peer, large: largeBody) {
                    respond(context: context, keepAlive: false, outcome: .rejected(503, .overloaded, refusal.reason))
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
                schedule(configuration.commitTimeout, context: context)
                dispatch(context: context, head: head, body: body)
            default:
                break
            }
        }
    }

    /// The request is over: back to idle (head deadline running) or closing.
    func finishRequest(context: ChannelHandlerContext, keepAlive: Bool) {
        budget.release(reserved, peer: peer, large: largeBody)
        reserved = 0
        answered += 1
        state = keepAlive ? .idle : .closing
        if keepAlive { scheduleHeadDeadline(context: context) }
    }

    /// Malformed HTTP (the decoder's errors): a 400 with a reason, counted and logged, then close.
    package func errorCaught(context: ChannelHandlerContext, error: any Error) {
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

    package func channelInactive(context: ChannelHandlerContext) {
        cancelDeadline()
        cancelTimer()
        budget.release(reserved, peer: peer, large: largeBody)
        reserved = 0
        queued.removeAll()
        context.fireChannelInactive()
    }

    func dispatch(context: ChannelHandlerContext, head: HTTPRequestHead, body: ByteBuffer) {
        // The answer comes on this loop (at once) or from the spool writer's thread: then it is
        // handed to this loop as one task, with no promise or future in between.
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        let keepAlive = head.isKeepAlive
        pipeline.accept(
            timestamp: head.headers.first(name: "x-webhook-timestamp"),
            signature: head.headers.first(name: "x-webhook-signature"),
            body: Array(body.readableBytesView),
            answer: { outcome in
                if loop.inEventLoop {
                    bound.value.handler.answered(outcome, keepAlive: keepAlive, context: bound.value.context)
                } else {
                    loop.execute {
                        bound.value.handler.answered(outcome, keepAlive: keepAlive, context: bound.value.context)
                    }
                }
            })
    }

    /// The accept pipeline's answer to the request in flight (dropped if the commit deadline
    /// answered it already).
    func answered(_ outcome: IngressOutcome, keepAlive: Bool, context: ChannelHandlerContext) {
        guard case .answering = state else { return }
        respond(context: context, keepAlive: keepAlive, outcome: outcome, logged: true)
        finishRequest(context: context, keepAlive: keepAlive)
        replayQueued(context: context)
    }

    /// Handles parts that arrived while answering, until the next request needs answering; lets
    /// reads resume once the queue is short again.
    func replayQueued(context: ChannelHandlerContext) {
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

    /// Writes `outcome`. `logged`: the accept pipeline decided it and logged it already; every
    /// other rejection is decided here and logged here.
    func respond(context: ChannelHandlerContext, keepAlive: Bool, outcome: IngressOutcome, logged: Bool = false) {
        guard context.channel.isActive else { return }
        cancelDeadline()
        lastActivity = .now()
        metrics.record(outcome.outcome)
        if outcome.isSuccess {
            metrics.ackLatency.recordNanoseconds(Int64((lastActivity - started).nanoseconds))
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
