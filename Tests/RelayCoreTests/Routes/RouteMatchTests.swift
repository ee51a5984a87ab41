import Testing

@testable import RelayCore

@Suite struct RouteMatchTests {
    func event(_ json: String) throws -> Event {
        try EventDecoder.decode(json: try JSONParser.parse(Array(json.utf8)))
    }

    @Test(arguments: [
        ("task.*", "task.succeeded", true), ("task.*", "export.failed", false), ("*.failed", "task.failed", true),
        ("task.succeeded", "task.succeeded", true), ("task.succeeded", "task.succeededx", false),
        ("task.?ailed", "task.failed", true), ("*", "anything", true), ("job.*", "job.cancelled", true),
        ("a*b*c", "aXXbYYc", true), ("a*b*c", "aXXbYY", false),
    ])
    func globs(_ pattern: String, _ text: String, _ expected: Bool) {
        #expect(Glob(pattern).matches(text) == expected)
    }

    @Test func matchesTypesAndFields() throws {
        let succeeded = try event(
            #"{"id":"e1","type":"task.succeeded","data":{"kind":"design","attempt":3,"final":true}}"#)
        let failed = try event(#"{"id":"e2","type":"task.failed","data":{"kind":"remix","attempt":1,"final":false}}"#)
        let types = RouteMatch(types: [Glob("task.succeeded"), Glob("task.failed")])
        #expect(types.matches(succeeded) && types.matches(failed))
        let design = RouteMatch(types: [Glob("task.*")], fields: [.init(path: "data.kind", anyOf: [.string("design")])])
        #expect(design.matches(succeeded))
        #expect(!design.matches(failed))
        let anyKind = RouteMatch(fields: [.init(path: "data.kind", anyOf: [.string("design"), .string("remix")])])
        #expect(anyKind.matches(succeeded) && anyKind.matches(failed))
        let number = RouteMatch(fields: [.init(path: "data.attempt", anyOf: [.number(3)])])
        #expect(number.matches(succeeded) && !number.matches(failed))
        let bool = RouteMatch(fields: [.init(path: "data.final", anyOf: [.bool(false)])])
        #expect(!bool.matches(succeeded) && bool.matches(failed))
        let missing = RouteMatch(fields: [.init(path: "data.nope", anyOf: [.null])])
        #expect(!missing.matches(succeeded))
        #expect(RouteMatch().matches(succeeded))
    }

    @Test func legacyEventsMatchOnTheirEventName() throws {
        let legacy = try event(#"{"event":"job.completed","job_id":"j1","status":"completed"}"#)
        #expect(RouteMatch(types: [Glob("job.*")]).matches(legacy))
        #expect(!RouteMatch(types: [Glob("task.*")]).matches(legacy))
        #expect(RouteMatch(fields: [.init(path: "status", anyOf: [.string("completed")])]).matches(legacy))
    }

    @Test func routeTableSkipsDisabledRoutes() throws {
        let e = try event(#"{"id":"e1","type":"task.succeeded"}"#)
        let table = RouteTable(routes: [
            Route(name: "b", sink: .file(path: "/tmp/b", maxBytes: 1, keep: 1)),
            Route(name: "a", sink: .file(path: "/tmp/a", maxBytes: 1, keep: 1)),
            Route(name: "off", sink: .file(path: "/tmp/c", maxBytes: 1, keep: 1), enabled: false, disabledReason: "x"),
            Route(
                name: "other", sink: .file(path: "/tmp/d", maxBytes: 1, keep: 1),
                match: RouteMatch(types: [Glob("export.*")])),
        ])
        #expect(table.routes(for: e).map(\.name) == ["a", "b"])
    }

    @Test func slackDefaults() {
        let route = Route(name: "s", sink: .slack(url: "https://hooks.slack.com/x", templates: SlackTemplates()))
        #expect(route.concurrency == 1)
        #expect(route.rate == Rate(count: 1, per: .seconds(1)))
        #expect(Route(name: "h", sink: .http(url: "http://x", headers: [], signSecret: nil)).concurrency == 4)
    }
}
