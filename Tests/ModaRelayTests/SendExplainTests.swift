import Foundation
import RelayTestSupport
import Testing

/// `moda-relay send` and `moda-relay explain`, as an operator runs them.
@Suite struct SendExplainTests {
    @Test func sendSignsLikeModaAndReportsTheAnswer() async throws {
        let ws = try Workspace(routes: ["archive.yaml": "sink: file\npath: $ROOT/a.jsonl\n"])
        defer { ws.cleanup() }
        let relay = try RelayProcess(
            arguments: ws.serveArguments, environment: ["MODA_WEBHOOK_SECRET": SignedEvent.secret])
        try await relay.waitUntilListening()
        let url = "http://127.0.0.1:\(relay.port)/webhooks/moda"
        let env = ["MODA_WEBHOOK_SECRET": "\(SignedEvent.secret),another"]

        let (status, out, _) = try RelayProcess.run(
            ["send", "--url", url, "--type", "task.failed", "--id", "evt_send_1"], environment: env)
        #expect(status == 0)
        #expect(out.hasPrefix("HTTP 200\n"))
        #expect(out.contains(#""event_id":"evt_send_1""#))
        let (_, again, _) = try RelayProcess.run(
            ["send", "--url", url, "--type", "task.failed", "--id", "evt_send_1"], environment: env)
        #expect(again.contains(#""duplicate":true"#))

        let (legacyStatus, legacy, _) = try RelayProcess.run(
            ["send", "--url", url, "--legacy", "--id", "990e8400"], environment: env)
        #expect(legacyStatus == 0)
        #expect(legacy.contains(#""event_id":"990e8400""#))

        let file = ws.root + "/event.json"
        try #"{"id":"evt_from_file","type":"export.succeeded","data":{}}"#.write(
            toFile: file, atomically: false, encoding: .utf8)
        let (fileStatus, fromFile, _) = try RelayProcess.run(
            ["send", "--url", url, "--data", "@" + file], environment: env)
        #expect(fileStatus == 0)
        #expect(fromFile.contains("evt_from_file"))

        let (badStatus, bad, _) = try RelayProcess.run(
            ["send", "--url", url], environment: ["MODA_WEBHOOK_SECRET": "wrong"])
        #expect(badStatus == 1)
        #expect(bad.hasPrefix("HTTP 401\n"))

        let (downStatus, _, downErr) = try RelayProcess.run(
            ["send", "--url", "http://127.0.0.1:1/webhooks/moda"], environment: env)
        #expect(downStatus == 1)
        #expect(downErr.contains("could not reach"))
        kill(relay.process.processIdentifier, SIGTERM)
        _ = try await relay.waitForExit()
    }

    @Test func explainShowsMatchesRenderedTextAndRedactsSecrets() throws {
        let ws = try Workspace(routes: [
            "slack.yaml": """
            sink: slack
            url: https://hooks.slack.com/services/T1/B2/SECRET
            match:
              type: task.*
            text:
              task.failed: "Deck failed: {{data.error.message}} (request_id={{data.error.request_id}})"
            """,
            "forward.yaml": """
            sink: http
            url: https://internal.example/hook
            sign_secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
            headers:
              Authorization: Bearer s3cr3t
              X-Api-Token: t0ken-s3cr3t
              X-Signing-Key: k3y-s3cr3t
              X-Client-Secret: cl1ent-s3cr3t
              Cookie: session=c00kie-s3cr3t
              X-Team: platform
            """,
            "discord.yaml": """
            sink: discord
            url: https://discord.com/api/webhooks/123/T0KEN-SECRET
            content: "**Failed**: {{data.error.message}}"
            """,
            "exports.yaml": "sink: file\npath: $ROOT/out.jsonl\nmatch:\n  type: export.*\n",
            "off.yaml": "sink: http\nurl: ${UNSET_URL_FOR_TEST}\n",
        ])
        defer { ws.cleanup() }
        let event = ws.root + "/event.json"
        try
            #"{"id":"evt_x","type":"task.failed","data":{"error":{"message":"<!here> boom \u0600<!channel>\u0301","request_id":"req_1"}}}"#
            .write(toFile: event, atomically: false, encoding: .utf8)
        let (status, out, _) = try RelayProcess.run(["explain", "--event", event, "--routes", ws.routes])
        #expect(status == 0)
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines.first == "event evt_x (task.failed, current shape; dedupe key evt_x)")
        #expect(lines.contains("exports: does not match"))
        #expect(lines.contains("forward: matches -> http"))
        #expect(lines.contains("  Authorization: <redacted>"))
        #expect(lines.contains("  X-Moda-Event-Id: evt_x"))
        #expect(
            lines.contains {
                $0.hasPrefix("off: matches, but the route is disabled (environment variable UNSET_URL_FOR_TEST")
            })
        #expect(lines.contains("slack: matches -> slack"))
        #expect(lines.contains("  POST https://hooks.slack.com/services/…"))
        #expect(
            lines.contains(
                "  body: {\"text\":\"Deck failed: &lt;!here&gt; boom \u{0600}&lt;!channel&gt;\u{0301} (request_id=req_1)\"}"
            ))
        #expect(lines.contains("discord: matches -> discord"))
        #expect(lines.contains("  POST https://discord.com/api/webhooks/…"))
        #expect(
            lines.contains(
                #"  body: {"content":"**Failed**: \\<!here\\> boom \#u{0600}\\<!channel\\>\#u{0301}","allowed_mentions":{"parse":[]}}"#
            ))
        #expect(!out.contains("s3cr3t") && !out.contains("SECRET"))
        // Hardening finding 15: every credential-like header is redacted, others are shown.
        for name in ["X-Api-Token", "X-Signing-Key", "X-Client-Secret", "Cookie", "webhook-signature"] {
            #expect(lines.contains("  \(name): <redacted>"), "\(name)")
        }
        #expect(lines.contains("  X-Team: platform"))
    }
}
