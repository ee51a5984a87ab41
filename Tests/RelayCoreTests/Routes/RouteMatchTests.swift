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
            Route(name: "b", sink: ProbeSink()),
            Route(name: "a", sink: ProbeSink()),
            Route(name: "off", sink: ProbeSink(), enabled: false, disabledReason: "x"),
            Route(
                name: "other", sink: ProbeSink(),
                match: RouteMatch(types: [Glob("export.*")])),
        ])
        #expect(table.routes(for: e).map(\.name) == ["a", "b"])
    }

    @Test func aRouteTakesItsSinkKindsDefaults() {
        let route = Route(name: "p", sink: ProbeSink())
        #expect(route.concurrency == 2)
        #expect(route.rate == Rate(count: 3, per: .seconds(60)))
        let set = Route(name: "p", sink: ProbeSink(), concurrency: 9, rate: Rate(count: 1, per: .seconds(1)))
        #expect(set.concurrency == 9)
        #expect(set.rate == Rate(count: 1, per: .seconds(1)))
    }

    @Test func routesCompareTheirSinkSettings() {
        #expect(Route(name: "p", sink: ProbeSink(target: "a")) == Route(name: "p", sink: ProbeSink(target: "a")))
        #expect(Route(name: "p", sink: ProbeSink(target: "a")) != Route(name: "p", sink: ProbeSink(target: "b")))
    }
}

/// A sink kind of the tests' own: the core knows no kinds.
struct ProbeSink: SinkSettings, Equatable {
    static let kind = "probe"
    static let defaultConcurrency = 2
    static let defaultRate: Rate? = Rate(count: 3, per: .seconds(60))
    var target = "t"
    var description: String { "probe \(target)" }
}
