import Foundation
import RelayCore
import Synchronization

/// Moda, as `moda-docs/delivery-log-api.md` and the webhook guide describe it, for tests: it
/// signs and posts webhooks to a callback URL, retries after 1, 5 and 30 s (scaled by
/// `retryDelays`), then logs the delivery as failed; it serves the delivery log
/// (`GET /v1/webhook_deliveries`: filters, newest first, opaque cursors that expire, pages of at
/// most `limit`) and redelivery (`POST …/redeliver`: 202, then the send in the background).
/// It checks the API key and answers Moda's error shape, and can answer 429 with `Retry-After`.
public final class ModaSimulator: Sendable {
    /// How a redelivery is signed: Moda's reference does not say, so both are simulated.
    public enum RedeliveryTimestamp: Sendable {
        case fresh
        case original
    }

    /// One delivery in the log, with what the log does not show (status, payload, timestamp).
    public struct Delivery: Sendable {
        public var id: String
        public var eventID: String
        public var eventType: String
        public var targetURL: String
        public var attempts = 0
        public var createdAt: Date
        public var lastAttemptedAt: Date?
        public var responseStatus: Int?
        public var responseExcerpt: String?
        public var taskID: String
        public var apiKeyID: String
        public var replayedFromID: String?
        public var status = "pending"
        public var payload: [UInt8]
        public var originalTimestamp: Int
    }

    struct State {
        var deliveries: [Delivery] = []
        var sequence = 0
        var cursorGeneration = 0
        var throttle = 0
        var expireAfterPages: Int?
        var redeliveryRequests: [String] = []
        var listRequests = 0
        var signingSecret: String
        var redeliveryTimestamp: RedeliveryTimestamp
        var pageSize: Int
        var redeliveryDelay: Duration = .zero
        /// Answers to redelivery requests beyond this many wait until ``releaseRedeliveryAnswers()``.
        var holdRedeliveryAnswersAfter: Int?
    }

    public let apiKey: String
    public let apiKeyID = "key_sim_1"
    /// Waits after each failed attempt before the next; after the last, the delivery fails.
    public let retryDelays: [Duration]
    /// How long Moda waits for an answer (30 s, as Moda does: a relay stalled by a loaded machine
    /// still answers in time).
    public let attemptTimeout: Duration
    /// How long a cursor stays valid.
    public let cursorLifetime: Duration
    private let server: ScriptedSinkServer
    private let api: ModaAPI

    public init(
        apiKey: String = "moda_live_simulated_key", signingSecret: String = SignedEvent.secret,
        retryDelays: [Duration] = [.milliseconds(100), .milliseconds(200), .milliseconds(300)],
        attemptTimeout: Duration = .seconds(30), cursorLifetime: Duration = .seconds(600),
        redeliveryTimestamp: RedeliveryTimestamp = .fresh, pageSize: Int = 200
    ) async throws {
        self.apiKey = apiKey
        self.retryDelays = retryDelays
        self.attemptTimeout = attemptTimeout
        self.cursorLifetime = cursorLifetime
        let api = ModaAPI(
            state: State(signingSecret: signingSecret, redeliveryTimestamp: redeliveryTimestamp, pageSize: pageSize),
            apiKey: apiKey,
            cursorLifetime: cursorLifetime)
        self.api = api
        server = try await ScriptedSinkServer { _, request in api.answer(request) }
        api.simulator.withLock { $0 = self }
    }

    /// The API's base URL, as `moda_api_url` takes it.
    public var apiURL: String { "http://127.0.0.1:\(server.port)/v1" }

    public func shutdown() async {
        await server.shutdown()
        api.simulator.withLock { $0 = nil }
    }

    /// Finishes a task: makes its event, logs a delivery to `targetURL` and sends it (retrying in
    /// the background). Returns the delivery's id.
    @discardableResult
    public func dispatch(eventID: String, type: String = "task.succeeded", to targetURL: String, at date: Date = Date())
        -> String
    {
        let payload = SignedEvent.body(id: eventID, type: type)
        let delivery = api.state.withLock { state -> Delivery in
            state.sequence += 1
            let delivery = Delivery(
                id: String(format: "whd_%08d", state.sequence), eventID: eventID, eventType: type, targetURL: targetURL,
                createdAt: date, taskID: "task_\(eventID)", apiKeyID: apiKeyID, payload: payload,
                originalTimestamp: Int(date.timeIntervalSince1970))
            state.deliveries.append(delivery)
            return delivery
        }
        send(delivery.id, timestamp: .fresh)
        return delivery.id
    }

    /// Makes every cursor handed out so far expired.
    public func expireCursors() { api.state.withLock { $0.cursorGeneration += 1 } }

    /// Holds the answer of every redelivery request after the first `count` until
    /// ``releaseRedeliveryAnswers()`` (the deliveries themselves are sent at once).
    public func holdRedeliveryAnswers(after count: Int) { api.state.withLock { $0.holdRedeliveryAnswersAfter = count } }

    /// Lets held redelivery answers go.
    public func releaseRedeliveryAnswers() { api.state.withLock { $0.holdRedeliveryAnswersAfter = nil } }

    /// Holds each redelivery request this long before answering it (its send starts at once).
    public func delayRedeliveryAnswers(by delay: Duration) { api.state.withLock { $0.redeliveryDelay = delay } }

    /// Makes every cursor handed out so far expire once `pages` more pages have been listed.
    public func expireCursors(afterPages pages: Int) { api.state.withLock { $0.expireAfterPages = pages } }

    /// Answers the next `count` API calls with 429 and `Retry-After: 1`.
    public func throttle(next count: Int) { api.state.withLock { $0.throttle = count } }

    /// How later redeliveries are signed.
    public func setRedeliveryTimestamp(_ mode: RedeliveryTimestamp) {
        api.state.withLock { $0.redeliveryTimestamp = mode }
    }

    /// Every delivery, oldest first.
    public var deliveries: [Delivery] { api.state.withLock { $0.deliveries } }
    /// The ids whose redelivery was asked for, in order (repeats included).
    public var redeliveryRequests: [String] { api.state.withLock { $0.redeliveryRequests } }
    /// How many list calls were answered with a page.
    public var listRequests: Int { api.state.withLock { $0.listRequests } }

    /// Waits until no delivery is pending.
    public func settled(timeout: Duration = .seconds(90)) async throws -> Bool {
        try await eventually(timeout) { deliveries.allSatisfy { $0.status != "pending" } }
    }

    /// Sends a delivery: attempt after attempt, on a thread of its own, until one gets a 2xx or
    /// the retries run out.
    func send(_ id: String, timestamp mode: RedeliveryTimestamp) {
        let delays = retryDelays
        let timeout = attemptTimeout
        Thread.detachNewThread { [self] in
            for attempt in 0...delays.count {
                guard
                    let (url, payload, timestamp, secret) = api.state.withLock({
                        state -> (String, [UInt8], Int, String)? in
                        guard let delivery = state.deliveries.first(where: { $0.id == id }) else { return nil }
                        let stamp = mode == .original ? delivery.originalTimestamp : Int(Date().timeIntervalSince1970)
                        return (delivery.targetURL, delivery.payload, stamp, state.signingSecret)
                    })
                else { return }
                let status = Self.post(payload, to: url, timestamp: timestamp, secret: secret, timeout: timeout)
                let done = api.state.withLock { state -> Bool in
                    guard let index = state.deliveries.firstIndex(where: { $0.id == id }) else { return true }
                    state.deliveries[index].attempts += 1
                    state.deliveries[index].lastAttemptedAt = Date()
                    state.deliveries[index].responseStatus = status?.0
                    state.deliveries[index].responseExcerpt = status?.1
                    if let code = status?.0, (200..<300).contains(code) {
                        state.deliveries[index].status = "succeeded"
                        return true
                    }
                    if attempt == delays.count { state.deliveries[index].status = "failed" }
                    return false
                }
                if done || attempt == delays.count { return }
                Thread.sleep(
                    forTimeInterval: Double(delays[attempt].components.attoseconds) / 1e18
                        + Double(delays[attempt].components.seconds))
            }
        }
    }

    /// One attempt: the status and the answer's first 2 KB, or nil for no answer.
    static func post(_ payload: [UInt8], to url: String, timestamp: Int, secret: String, timeout: Duration)
        -> (Int, String)?
    {
        guard let components = URLComponents(string: url), let port = components.port else { return nil }
        guard let connection = try? RawConnection(port: port) else { return nil }
        var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(connection.fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        do {
            try connection.request(
                path: components.path,
                headers: SignedEvent.headers(body: payload, secret: secret, timestamp: timestamp),
                body: payload)
            let response = try connection.readResponse()
            return (response.status, String(response.body.prefix(2048)))
        } catch {
            return nil
        }
    }
}
