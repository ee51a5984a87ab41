import Foundation
import RelayDispatch
import RelayTestSupport
import Sinks
import Synchronization
import Testing

@testable import Ingress
@testable import RelayApp
@testable import RelayCore

/// A `discord` route against a local server that answers as Discord's webhook endpoint does:
/// 204 No Content, and over its per-webhook bucket a 429 with `Retry-After`,
/// `X-RateLimit-Reset-After` and a JSON `retry_after` in decimal seconds.
@Suite struct DiscordDeliveryTests {
    /// The server's bucket: `limit` messages per `window`, then 429 until the window resets.
    final class Bucket: Sendable {
        let limit: Int
        let window: Duration
        private let state = Mutex<(start: ContinuousClock.Instant?, used: Int, log: [(ContinuousClock.Instant, Int)])>(
            (nil, 0, []))

        init(limit: Int, window: Duration) {
            self.limit = limit
            self.window = window
        }

        /// Counts one request; the status it gets and, for a 429, the seconds until the reset.
        func take() -> (status: Int, resetAfter: Double) {
            state.withLock { state in
                let now = ContinuousClock.now
                if state.start.map({ now - $0 >= window }) ?? true {
                    state.start = now
                    state.used = 0
                }
                let reset = window - (now - state.start!)
                let resetSeconds = Double(reset.components.seconds) + Double(reset.components.attoseconds) / 1e18
                state.used += 1
                let status = state.used <= limit ? 204 : 429
                state.log.append((now, status))
                return (status, resetSeconds)
            }
        }

        var log: [(ContinuousClock.Instant, Int)] { state.withLock { $0.log } }
    }

    /// Which of its three hints the server sends with a 429.
    enum Hints: String, CaseIterable, Sendable {
        case all, bodyOnly, resetAfterHeaderOnly
    }

    static func discordServer(_ bucket: Bucket, hints: Hints) async throws -> ScriptedSinkServer {
        try await ScriptedSinkServer { _, _ in
            let (status, resetAfter) = bucket.take()
            guard status == 429 else { return .respond(status: 204) }
            let seconds = String(format: "%.3f", resetAfter)
            var headers = [
                ("Content-Type", "application/json"), ("X-RateLimit-Limit", "\(bucket.limit)"),
                ("X-RateLimit-Remaining", "0"),
            ]
            if hints == .all { headers.append(("Retry-After", "\(Int(resetAfter.rounded(.up)))")) }
            if hints != .bodyOnly { headers.append(("X-RateLimit-Reset-After", seconds)) }
            let field = hints == .resetAfterHeaderOnly ? "" : #", "retry_after": \#(seconds)"#
            return .respond(
                status: 429, headers: headers,
                body: #"{"message": "You are being rate limited."\#(field), "global": false}"#)
        }
    }

    /// The retry backoff is 100 ms, far shorter than the bucket's reset: only honouring the hint
    /// keeps each limited message to a single 429.
    @Test(arguments: Hints.allCases)
    func rateLimitedMessagesWaitForTheResetAndAllArriveWithMentionsOff(_ hints: Hints) async throws {
        let bucket = Bucket(limit: 2, window: .milliseconds(1500))
        let server = try await Self.discordServer(bucket, hints: hints)
        let retry = try RetryPolicy(
            maxAttempts: 50, initialBackoff: .milliseconds(100), maximumBackoff: .milliseconds(100),
            maxAge: .seconds(3600))
        let templates = TemplatesByType(fallback: try Template("Deck ready: {{data.result.canvas_url}} @everyone"))
        // A fast rate and 4 at once, so the relay runs into Discord's bucket.
        let relay = try await TestRelay(routes: [
            Route(
                name: "discord",
                sink: DiscordSinkSettings(url: server.url + "/api/webhooks/1/tok", templates: templates),
                retry: retry, concurrency: 4, rate: Rate(count: 100, per: .seconds(1)))
        ])
        for index in 0..<4 { #expect(try relay.post(SignedEvent.body(id: "evt_discord_\(index)")).status == 200) }
        #expect(
            try await eventually(.seconds(20)) { relay.relay.fleet.worker("discord")?.currentStatus.delivered == 4 })

        // Two got through, two were limited once each and retried after the reset.
        #expect(bucket.log.map(\.1).filter { $0 == 429 }.count == 2)
        #expect(bucket.log.count == 6)

        let contents = try server.requests.compactMap { request -> String? in
            let json = try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
            #expect((json?["allowed_mentions"] as? [String: [String]]) == ["parse": []])
            return json?["content"] as? String
        }
        #expect(Set(contents) == Set((0..<4).map { "Deck ready: https://moda.app/c/evt_discord_\($0) @everyone" }))
        await relay.shutdown()
        await server.shutdown()
    }
}
