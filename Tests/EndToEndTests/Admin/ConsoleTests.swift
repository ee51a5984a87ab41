import Foundation
import RelayTestSupport
import Sinks
import Testing

@testable import Ingress
@testable import RelayApp
@testable import RelayCore
@testable import RelayDispatch

/// The browser console's server side against a real relay: the page and its assets, their
/// security headers, and the two admin additions it reads (`/admin/activity`, `/admin/dead?id=`).
/// The page itself is driven in a real browser by `Tests/Browser/console_test.py`.
@Suite struct ConsoleTests {
    func failingRoute(_ url: String, name: String = "orders") -> Route {
        Route(
            name: name, sink: HTTPSinkSettings(url: url, headers: []),
            retry: try! RetryPolicy(
                maxAttempts: 2, initialBackoff: .milliseconds(10), maximumBackoff: .milliseconds(20),
                maxAge: .seconds(3600)),
            timeout: .seconds(2))
    }

    @Test func thePageAndItsAssetsNeedNoTokenAndForbidFramingAndInlineScript() async throws {
        let relay = try await TestRelay(adminToken: "s3cret-token")
        let page = try relay.admin("/ui")
        #expect(page.status == 200)
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.body.contains(#"<script src="/ui/console.js" defer></script>"#))
        let policy = page.headers["content-security-policy"] ?? ""
        for directive in ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'none'"] {
            #expect(policy.contains(directive), "CSP lacks \(directive)")
        }
        #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
        #expect(page.headers["x-frame-options"] == "DENY")
        #expect(page.headers["x-content-type-options"] == "nosniff")
        // The page has no inline script or style for the policy to block.
        #expect(!page.body.contains("<script>") && !page.body.contains("style="))
        #expect(page.body.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil)

        let script = try relay.admin("/ui/console.js")
        #expect(script.status == 200 && script.headers["content-type"] == "text/javascript; charset=utf-8")
        #expect(script.body.contains("Authorization = \"Bearer \""))
        #expect(!script.body.contains("innerHTML") && !script.body.contains("insertAdjacentHTML"))
        let style = try relay.admin("/ui/console.css")
        #expect(style.status == 200 && style.headers["content-type"] == "text/css; charset=utf-8")
        #expect(try relay.admin("/ui/").status == 200)
        #expect(try relay.admin("/ui/other.js").status == 404)
        let post = try relay.admin("POST", "/ui", json: "{}")
        #expect(post.status == 405 && post.headers["allow"] == "GET")
        // The data behind it still needs the token.
        #expect(try relay.admin("/admin/activity").status == 401)
        #expect(try relay.metric(#"moda_relay_admin_requests_total{endpoint="ui",code="200"}"#) == 4)
        await relay.shutdown()
    }

    @Test func theIngressNeverServesThePage() async throws {
        let relay = try await TestRelay()
        let connection = try RawConnection(port: relay.port)
        try connection.request(method: "GET", path: "/ui", headers: [], body: [])
        let answer = try connection.readResponse()
        #expect(answer.status == 404)
        #expect(!answer.body.contains("<html"))
        await relay.shutdown()
    }

    @Test func activityCountsDeliveredAndFailedAttemptsPerSink() async throws {
        let server = try await ScriptedSinkServer { _, _ in .respond(status: 503, body: "down") }
        let healthy = try await ScriptedSinkServer { _, _ in .respond(status: 200, body: "ok") }
        let relay = try await TestRelay(routes: [
            failingRoute(server.url), failingRoute(healthy.url, name: "archive"),
        ])
        #expect(try relay.post(SignedEvent.body(id: "evt_activity_1")).status == 200)
        #expect(try await eventually { relay.relay.fleet.worker("orders")?.currentStatus.deadLetters == 1 })
        #expect(try await eventually { relay.relay.fleet.worker("archive")?.currentStatus.delivered == 1 })

        let activity = try relay.admin("/admin/activity")
        #expect(activity.status == 200)
        #expect(activity.json["bucket_seconds"] as? Int == 10)
        #expect(activity.json["start"] is String)
        let sinks = activity.json["sinks"] as? [[String: Any]] ?? []
        #expect(sinks.compactMap { $0["name"] as? String } == ["archive", "orders"])
        func sum(_ sink: String, _ key: String) -> Int {
            let entry = sinks.first { $0["name"] as? String == sink }
            let counts = entry?[key] as? [Int] ?? []
            #expect(counts.count == 60)
            return counts.reduce(0, +)
        }
        #expect(sum("orders", "failed") == 2)
        #expect(sum("orders", "delivered") == 0)
        #expect(sum("archive", "delivered") == 1)
        #expect(sum("archive", "failed") == 0)
        let one = try relay.admin("/admin/activity?sink=orders")
        #expect((one.json["sinks"] as? [[String: Any]])?.count == 1)
        #expect(try relay.admin("/admin/activity?sink=nope").status == 404)
        for path in ["/admin/activity", "/admin/sinks", "/healthz"] {
            let post = try relay.admin("POST", path, json: "{}")
            #expect(post.status == 405 && post.headers["allow"] == "GET", "POST \(path)")
        }
        await relay.shutdown()
    }

    @Test func oneDeadLetterIsFetchedByItsId() async throws {
        let server = try await ScriptedSinkServer { _, _ in .respond(status: 400, body: "no") }
        let relay = try await TestRelay(routes: [failingRoute(server.url)])
        for id in ["evt_one_1", "evt_one_2", "evt_one_3"] {
            #expect(try relay.post(SignedEvent.body(id: id)).status == 200)
        }
        #expect(try await eventually { relay.relay.fleet.worker("orders")?.currentStatus.deadLetters == 3 })
        let one = try relay.admin("/admin/dead?sink=orders&id=evt_one_2&body=true")
        #expect(one.json["count"] as? Int == 1)
        let letters = one.json["dead"] as? [[String: Any]] ?? []
        #expect(letters.map { $0["id"] as? String } == ["evt_one_2"])
        #expect((letters.first?["event"] as? [String: Any])?["id"] as? String == "evt_one_2")
        #expect(try relay.admin("/admin/dead?id=evt_one_3").json["count"] as? Int == 1)
        #expect(try relay.admin("/admin/dead?sink=orders&id=evt_missing").json["count"] as? Int == 0)
        await relay.shutdown()
    }
}
