import Testing

@testable import RelayCore

@Suite struct AdminQueryTests {
    @Test func queryStringsDecode() {
        #expect(AdminQuery.parse("a=1&b=x%20y+z&c&=skip&a=2") == ["a": "2", "b": "x y z", "c": ""])
        #expect(AdminQuery.parse("bad=%zz&ok=%C3%A9") == ["bad": "", "ok": "é"])
        #expect(AdminQuery.parse("%FF=1&x=%FF") == ["x": ""])  // invalid UTF-8: name skipped, value empty
    }

    @Test func numbersAreRangeCheckedNeverTrapped() throws {
        #expect(try AdminQuery.count(nil, name: "limit", default: 50, range: 1...1000) == 50)
        #expect(try AdminQuery.count("7", name: "limit", default: 50, range: 1...1000) == 7)
        for bad in ["0", "1001", "-1", "9223372036854775808", "99999999999999999999", "1e3", " 5", ""] {
            #expect(throws: AdminQuery.Invalid.self, "\(bad)") {
                try AdminQuery.count(bad, name: "limit", default: 50, range: 1...1000)
            }
        }
        #expect(throws: AdminQuery.Invalid.self) { try AdminQuery.instant("9223372036854776", name: "since") }
        #expect(try AdminQuery.instant("1763892930", name: "since") == 1_763_892_930_000)
    }

    @Test func deliveryStatusFilters() {
        #expect(DeliveryStatusFilter("dead") == .outcome(.dead))
        #expect(DeliveryStatusFilter("error") == .noAnswer)
        #expect(DeliveryStatusFilter("503") == .code(503))
        #expect(DeliveryStatusFilter("4xx") == .codeClass(4))
        for bad in ["600", "099", "6xx", "5x", "50x", "+50", "sometimes", "", "9999999999999999999999"] {
            #expect(DeliveryStatusFilter(bad) == nil, "\(bad)")
        }
        #expect(DeliveryStatusFilter.codeClass(5).matches(outcome: .retry, status: 503))
        #expect(!DeliveryStatusFilter.codeClass(5).matches(outcome: .retry, status: nil))
    }

    @Test func replayBodies() throws {
        let request = try ReplayRequest(json: Array(#"{"sink":"s","ids":["a"],"since":1763892930}"#.utf8))
        #expect(request.sink == "s" && request.ids == ["a"] && request.since == 1_763_892_930_000)
        for bad in [#"[]"#, #"{"sink":""}"#, #"{"sink":"s","ids":[1]}"#, #"{"sink":"s","until":1e400}"#, #"{"x":1}"#] {
            #expect(throws: AdminQuery.Invalid.self, "\(bad)") { try ReplayRequest(json: Array(bad.utf8)) }
        }
    }
}
