import NIOCore
import NIOHTTP1
import Telemetry

/// The handler's deadlines (head, request, commit, idle) and its one lazy timer; eviction.
extension WebhookHandler {
    /// Waiting for a head from now on: its deadline runs, and the connection may be evicted.
    func scheduleHeadDeadline(context: ChannelHandlerContext) {
        schedule(configuration.headerTimeout, context: context)
        if peer == nil { peer = context.channel.remoteAddress?.ipAddress }
        guard let limiter else { return }
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        limiter.awaitingHead(ObjectIdentifier(context.channel)) {
            loop.execute { bound.value.handler.evicted(context: bound.value.context) }
        }
    }

    /// Every connection slot was taken, and this one had waited longest for a request head.
    func evicted(context: ChannelHandlerContext) {
        guard case .idle = state else { return }
        if answered == 0 {
            respond(
                context: context, keepAlive: false,
                outcome: .rejected(
                    408, .evicted, "no request head while every connection slot was taken; closed to make room"))
        } else {
            context.close(promise: nil)
        }
        state = .closing
    }

    /// Starts the state's deadline, `timeout` from the last activity.
    func schedule(_ timeout: TimeAmount, context: ChannelHandlerContext) {
        deadline = lastActivity + timeout
        armTimer(context: context)
    }

    /// The next instant something may be due: the state's deadline or the idle timeout (which
    /// does not run while the answer is being decided).
    var nextDue: NIODeadline? {
        if case .answering = state { return deadline }
        if case .closing = state { return nil }
        let idle = lastActivity + configuration.idleTimeout
        guard let deadline else { return idle }
        return min(deadline, idle)
    }

    /// Makes sure the timer fires no later than ``nextDue``. A timer already set earlier is
    /// kept: it re-checks when it fires. So moving a deadline later costs nothing.
    func armTimer(context: ChannelHandlerContext) {
        guard let due = nextDue else { return }
        if let timer, timer.at <= due { return }
        timer?.task.cancel()
        let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) {
            self.timerFired(context: context)
        }
        timer = (task, due)
    }

    func timerFired(context: ChannelHandlerContext) {
        timer = nil
        let now = NIODeadline.now()
        if let deadline, deadline <= now {
            self.deadline = nil
            deadlinePassed(context: context)
        } else if let due = nextDue, due <= now {
            // Idle: nothing read or written for the idle timeout.
            state = .closing
            context.close(promise: nil)
        } else {
            armTimer(context: context)
        }
    }

    func deadlinePassed(context: ChannelHandlerContext) {
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
        case .answering:
            // The writer has not made the event durable in time (a hung disk): Moda gets a 503
            // well inside its 30 s and retries; if the commit lands later, the retry is a duplicate.
            respond(
                context: context, keepAlive: false,
                outcome: .rejected(
                    503, .commitTimeout, "the event was not stored durably within the commit timeout; retry"))
            state = .closing
        case .closing:
            break
        }
    }

    func cancelDeadline() {
        deadline = nil
    }

    func cancelTimer() {
        timer?.task.cancel()
        timer = nil
    }
}
