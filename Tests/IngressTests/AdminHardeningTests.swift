import Foundation
import Testing

@testable import Ingress

/// Hostile input to the admin listener: the process must answer, never trap.
@Suite struct AdminHardeningTests {
    /// Finding 1: this GET trapped on an `Int64` overflow, with no token needed.
    @Test func hugeTimesAreRefusedWithAReasonAndTheRelayKeepsAnswering() async throws {
        let relay = try await TestRelay()
        for query in ["since=9223372036854776", "until=9223372036854775807", "since=99999999999999999999999"] {
            let answer = try relay.admin("/admin/dead?\(query)")
            #expect(answer.status == 400, "\(query)")
            #expect((answer.json["reason"] as? String)?.contains("RFC 3339") == true)
        }
        for body in [
            #"{"sink":"archive","since":9223372036854776}"#, #"{"sink":"archive","until":"9223372036854776"}"#,
            #"{"sink":"archive","since":1e300}"#,
        ] {
            let answer = try relay.admin("POST", "/admin/dead/replay", json: body)
            #expect(answer.status == 400, "\(body)")
        }
        #expect(try relay.admin("/healthz").status == 200)
        await relay.shutdown()
    }
}
