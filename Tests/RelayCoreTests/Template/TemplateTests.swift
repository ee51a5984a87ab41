import Testing

@testable import RelayCore

@Suite struct TemplateTests {
    let event = try! JSONParser.parse(
        Array(
            #"{"id":"evt_1","type":"task.failed","data":{"error":{"message":"<!channel> & friends","request_id":"req_9"},"n":3}}"#
                .utf8))

    @Test func rendersPathsAndMissingValuesAsEmpty() throws {
        let template = try Template(
            "failed: {{data.error.message}} (request_id={{ data.error.request_id }}) {{data.nope}}!")
        #expect(template.render(event) == "failed: <!channel> & friends (request_id=req_9) !")
        #expect(try Template("n={{data.n}}").render(event) == "n=3")
    }

    @Test func syntaxErrors() {
        #expect(throws: Template.SyntaxError.self) { try Template("a {{data.x") }
        #expect(throws: Template.SyntaxError.self) { try Template("a {{}}") }
        #expect(throws: Template.SyntaxError.self) { try Template("a {{data..x}}") }
        #expect(throws: Template.SyntaxError.self) { try Template("a {{data x}}") }
    }

    @Test func templateChoiceByExactThenGlobThenDefault() throws {
        let templates = TemplatesByType(
            byType: [(Glob("task.*"), try Template("glob")), (Glob("task.failed"), try Template("exact"))],
            fallback: try Template("default"))
        #expect(templates.template(for: "task.failed")?.source == "exact")
        #expect(templates.template(for: "task.succeeded")?.source == "glob")
        #expect(templates.template(for: "export.failed")?.source == "default")
        #expect(TemplatesByType(byType: [], fallback: nil).template(for: "x") == nil)
    }
}
