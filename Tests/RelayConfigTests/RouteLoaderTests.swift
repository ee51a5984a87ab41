import Foundation
import Testing

@testable import RelayConfig
@testable import RelayCore
@testable import Sinks

@Suite struct RouteLoaderTests {
    func parse(_ text: String, name: String = "r", env: [String: String] = [:]) -> (Route?, [ConfigDiagnostic]) {
        RouteLoader.parse(text, name: name, file: "routes/\(name).yaml", environment: env)
    }

    /// The one error of `text`, as `LINE:COL: message`.
    func onlyError(_ text: String, env: [String: String] = [:]) -> String? {
        let (route, diagnostics) = parse(text, env: env)
        let errors = diagnostics.filter { $0.severity == .error }
        guard route == nil, errors.count == 1 else { return "route=\(String(describing: route)) \(diagnostics)" }
        return "\(errors[0].line):\(errors[0].column): \(errors[0].message)"
    }

    @Test func fullSlackRoute() throws {
        let text = """
            # weekly deck
            sink: slack
            url: ${SLACK_WEBHOOK_URL}
            match:
              type: [task.succeeded, task.failed]
              data.kind: design
            text:
              task.succeeded: "Weekly deck ready: {{data.result.canvas_url}}"
              task.failed: "Weekly deck failed: {{data.error.message}} (request_id={{data.error.request_id}})"
            retry: {max_attempts: 12, backoff: 1s, max_backoff: 10m, max_age: 24h}
            timeout: 5s
            rate: 2/s
            """
        let (route, diagnostics) = parse(
            text, name: "weekly-deck-slack", env: ["SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/X"])
        #expect(diagnostics.isEmpty)
        let r = try #require(route)
        #expect(r.name == "weekly-deck-slack")
        #expect(r.enabled)
        let slack = try #require(r.sink as? SlackSinkSettings)
        let (url, templates) = (slack.url, slack.templates)
        #expect(url == "https://hooks.slack.com/services/T/B/X")
        #expect(templates.template(for: "task.failed")?.source.hasPrefix("Weekly deck failed") == true)
        #expect(r.match.types.map(\.pattern) == ["task.succeeded", "task.failed"])
        #expect(r.match.fields == [.init(path: "data.kind", anyOf: [.string("design")])])
        #expect(r.timeout == .seconds(5))
        #expect(r.rate == Rate(count: 2, per: .seconds(1)))
        #expect(r.concurrency == 1)
    }

    @Test func unsetVariableDisablesWithWarningNotError() throws {
        let (route, diagnostics) = parse("sink: slack\nurl: ${SLACK_WEBHOOK_URL}\n")
        let r = try #require(route)
        #expect(!r.enabled)
        #expect(r.disabledReason?.contains("SLACK_WEBHOOK_URL") == true)
        #expect(diagnostics.count == 1)
        #expect(diagnostics[0].severity == .warning)
        #expect(
            diagnostics[0].description
                == "routes/r.yaml:2:6: warning: route 'r' is disabled: environment variable SLACK_WEBHOOK_URL is not set"
        )
    }

    @Test func httpAndFileRoutes() throws {
        let (http, d1) = parse(
            """
            sink: http
            url: https://internal.example/hooks/${PATH_PART}
            headers:
              Authorization: Bearer ${TOKEN}
              X-Team: platform
            sign_secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
            concurrency: 8
            match:
              type: task.*
              data.attempt: [1, 2]
            """, env: ["PATH_PART": "moda", "TOKEN": "t0k"])
        #expect(d1.isEmpty)
        let h = try #require(http)
        #expect(
            h.sink as? HTTPSinkSettings
                == HTTPSinkSettings(
                    url: "https://internal.example/hooks/moda",
                    headers: [("Authorization", "Bearer t0k"), ("X-Team", "platform")],
                    signSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        #expect(h.concurrency == 8)
        #expect(h.match.fields == [.init(path: "data.attempt", anyOf: [.number(1), .number(2)])])
        let (file, d2) = parse(
            "sink: file\npath: ./data/archive/events.jsonl\nmax_bytes: 10MiB\nkeep: 3\nenabled: false\n")
        #expect(d2.isEmpty)
        let f = try #require(file)
        #expect(
            f.sink as? FileSinkSettings
                == FileSinkSettings(path: "./data/archive/events.jsonl", maxBytes: 10 << 20, keep: 3))
        #expect(!f.enabled)
    }

    @Test(arguments: [
        (
            "sink: file\npath: /x\ncolour: red\n",
            "3:1: unknown key 'colour'; expected one of concurrency, content, enabled, headers, keep, match, max_bytes, path, rate, retry, sign_secret, sink, text, timeout, url"
        ),
        ("sink: ftp\npath: /x\n", "1:7: unknown sink 'ftp'; expected file, http, slack or discord"),
        ("path: /x\n", "1:1: missing required key 'sink' (file, http, slack or discord)"),
        ("sink: http\n", "1:7: missing required key 'url' for a http sink"),
        ("sink: file\n", "1:7: missing required key 'path' for a file sink"),
        ("sink: file\npath: /x\nconcurrency: many\n", "3:14: 'concurrency' must be an integer"),
        ("sink: file\npath: /x\nconcurrency: 0\n", "3:14: 'concurrency' must be between 1 and 1024, got 0"),
        (
            "sink: file\npath: /x\ntimeout: soon\n",
            "3:10: 'timeout' must be a positive duration like 250ms, 1s, 10m or 24h, got 'soon'"
        ),
        (
            "sink: file\npath: /x\nrate: 5 per second\n",
            "3:7: 'rate' must look like 1/s, 30/m or 500/h, got '5 per second'"
        ),
        ("sink: file\npath: /x\nenabled: yes\n", "3:10: 'enabled' must be true or false"),
        ("sink: file\npath: /x\nurl: http://x.y\n", "3:1: key 'url' does not apply to a file sink"),
        (
            "sink: http\nurl: ftp://x\n",
            "2:6: 'url' must be an http:// or https:// URL with no spaces or control characters"
        ),
        // Hardening finding 4: "\r\n" is one Character, so Character checks missed it.
        (
            "sink: http\nurl: \"http://x.example/a\\r\\nHost: evil\"\n",
            "2:6: 'url' must be an http:// or https:// URL with no spaces or control characters"
        ),
        (
            "sink: http\nurl: \"http://x.example/a \\u0301b\"\n",
            "2:6: 'url' must be an http:// or https:// URL with no spaces or control characters"
        ),
        (
            "sink: http\nurl: http://x.example\nheaders:\n  X-Team: \"a\\r\\nX-Evil: 1\"\n",
            "4:11: header 'X-Team' must not contain line breaks or other control characters"
        ),
        (
            "sink: http\nurl: http://x.example\nheaders:\n  X-Team: \"a\\u0000b\"\n",
            "4:11: header 'X-Team' must not contain line breaks or other control characters"
        ),
        (
            "sink: http\nurl: http://x.example\nsign_secret: hunter2\n",
            "3:14: 'sign_secret' must be 'whsec_' followed by base64 (Standard Webhooks)"
        ),
        (
            "sink: http\nurl: http://x.example\nheaders:\n  Host: x\n",
            "4:3: header 'Host' is set by the relay and cannot be overridden"
        ),
        ("sink: http\nurl: http://x.example\nheaders: [a]\n", "3:10: 'headers' must be a map"),
        (
            "sink: slack\nurl: https://hooks.slack.com/x\ntext: \"ready {{data.url\"\n",
            "3:7: unterminated '{{' in template (at character 7 of the template)"
        ),
        (
            "sink: file\npath: /x\nretry:\n  max_attempts: 3\n  jitter: full\n",
            "5:3: unknown key 'retry.jitter'; expected max_attempts, backoff, max_backoff, max_age"
        ),
        (
            "sink: file\npath: /x\nretry: {backoff: 10s, max_backoff: 1s}\n",
            "3:8: invalid retry policy: max_backoff must not be less than backoff"
        ),
        ("sink: file\npath: /x\nmatch:\n  type: []\n", "4:9: 'match.type' must not be an empty list"),
        ("sink: file\npath: /x\nmatch: task.*\n", "3:8: 'match' must be a map"),
        ("sink: file\npath: /x\nsink: http\n", "3:1: YAML syntax error: duplicate key 'sink'"),
        ("sink: file\npath: ${NOT VALID}\n", "2:7: invalid variable name 'NOT VALID' in '${…}'"),
        ("sink: file\n  path: x\n", "2:7: YAML syntax error: mapping values are not allowed in this context"),
        ("- sink: file\n", "1:1: a route must be a map"),
        ("", "1:1: file is empty"),
        (
            "sink: file\npath: /x\n---\nsink: http\n",
            "3:1: YAML syntax error: only one YAML document is allowed per file"
        ),
    ])
    func errorsCarryPositions(_ text: String, _ expected: String) {
        #expect(onlyError(text) == expected)
    }

    /// Hardening finding 12: two file routes on one path interleave and rotate each other's file.
    @Test func twoFileRoutesOnOnePathAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("routes-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "sink: file\npath: /tmp/audit/events.jsonl\n".write(
            toFile: dir + "/a.yaml", atomically: false, encoding: .utf8)
        try "# copy\nsink: file\npath: /tmp/audit/../audit/events.jsonl\n".write(
            toFile: dir + "/b.yaml", atomically: false, encoding: .utf8)
        try "sink: file\npath: /tmp/audit/other.jsonl\n".write(
            toFile: dir + "/c.yaml", atomically: false, encoding: .utf8)
        let result = RouteLoader.load(directory: dir, environment: [:])
        #expect(
            result.errors.map(\.description) == [
                "\(dir)/b.yaml:3:7: route 'b' writes to the same file as route 'a' (\(dir)/a.yaml); give each file route its own path"
            ])
        #expect(result.routes.map(\.name) == ["a", "c"])
    }

    @Test func directoryLoadAndNameChecks() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("routes-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "sink: file\npath: /tmp/a\n".write(toFile: dir + "/archive.yaml", atomically: false, encoding: .utf8)
        try "sink: file\npath: /tmp/b\n".write(toFile: dir + "/archive.yml", atomically: false, encoding: .utf8)
        try "sink: file\nbogus: 1\n".write(toFile: dir + "/broken.yaml", atomically: false, encoding: .utf8)
        try "ignored".write(toFile: dir + "/README.md", atomically: false, encoding: .utf8)
        let result = RouteLoader.load(directory: dir, environment: [:])
        #expect(result.routes.map(\.name) == ["archive"])
        #expect(
            result.errors.map(\.description).sorted()
                == [
                    "\(dir)/archive.yml:1:1: route 'archive' is also defined in \(dir)/archive.yaml",
                    "\(dir)/broken.yaml:1:7: missing required key 'path' for a file sink",
                    "\(dir)/broken.yaml:2:1: unknown key 'bogus'; expected one of concurrency, content, enabled, headers, keep, match, max_bytes, path, rate, retry, sign_secret, sink, text, timeout, url",
                ].sorted())
        #expect(RouteLoader.load(directory: dir + "/missing", environment: [:]).errors.count == 1)
    }

    /// Finding 9: `routes/.yaml` named a route '', whose spool was the spool directory itself.
    @Test func aFileWithNoNameIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("routes-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "sink: file\npath: /tmp/a\n".write(toFile: dir + "/.yaml", atomically: false, encoding: .utf8)
        let result = RouteLoader.load(directory: dir, environment: [:])
        #expect(result.routes.isEmpty)
        #expect(result.errors.map(\.description).first?.contains("a route file needs a name") == true)
    }

    @Test func shippedRoutesAreValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let result = RouteLoader.load(directory: root.appendingPathComponent("routes").path, environment: [:])
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.routes.count >= 3)
        #expect(result.routes.first { $0.name == "archive" }?.enabled == true)
        #expect(result.routes.filter { !$0.enabled }.count >= 2)
    }

    @Test func relaySettingsFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("relay-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "listen: 0.0.0.0:8443\ndata_dir: /var/lib/moda-relay\nmax_body: 2MiB\ndedupe_window: 48h\nport: 1\n"
            .write(toFile: file, atomically: false, encoding: .utf8)
        var settings = RelaySettings()
        let problems = RelaySettings.load(file: file, into: &settings)
        #expect(settings.listen == HostPort(host: "0.0.0.0", port: 8443))
        #expect(settings.dataDirectory == "/var/lib/moda-relay")
        #expect(settings.maxBodyBytes == 2 << 20)
        #expect(settings.dedupeWindow == .seconds(172_800))
        #expect(problems.map(\.description) == ["\(file):5:1: unknown key 'port' in the config file"])
        #expect(HostPort(parsing: "[::1]:9090") == HostPort(host: "::1", port: 9090))
        #expect(HostPort(parsing: "localhost") == nil)
    }

    /// Hardening finding 10: a body larger than the spool's frame limit would be written and
    /// then read back as corruption.
    @Test func maxBodyStaysBelowTheFrameLimit() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("relay-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "max_body: 100MiB\n".write(toFile: file, atomically: false, encoding: .utf8)
        var settings = RelaySettings()
        #expect(
            RelaySettings.load(file: file, into: &settings).map(\.description) == [
                "\(file):1:11: 'max_body' may be at most 32MiB (a spool record must fit in a frame)"
            ])
        #expect(settings.maxBodyBytes == 1 << 20)
        try "max_body: 32MiB\n".write(toFile: file, atomically: false, encoding: .utf8)
        #expect(RelaySettings.load(file: file, into: &settings).isEmpty)
    }
}
