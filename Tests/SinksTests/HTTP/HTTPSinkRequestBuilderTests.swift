import Foundation
import RelayTestSupport
import Testing

@testable import RelayCore
@testable import RelayDispatch
@testable import Sinks
@testable import Spool

@Suite struct HTTPSinkRequestBuilderTests {
    func record(_ body: String) -> SpoolRecord { SinkTestRecords.record(body) }
    func header(_ request: OutboundRequest, _ name: String) -> String? { SinkTestRecords.header(request, name) }

    /// Verifies a Standard Webhooks signature with Python's hmac/base64, an implementation
    /// independent of ours.
    func pythonSignature(secret: String, id: String, timestamp: String, body: [UInt8]) throws -> String {
        let script = """
            import base64, hashlib, hmac, sys
            key = base64.b64decode(sys.argv[1].removeprefix("whsec_"))
            body = sys.stdin.buffer.read()
            mac = hmac.new(key, (sys.argv[2] + "." + sys.argv[3] + ".").encode() + body, hashlib.sha256).digest()
            print("v1," + base64.b64encode(mac).decode(), end="")
            """
        return try ChildProcess.run("/usr/bin/env", ["python3", "-c", script, secret, id, timestamp], input: body)
            .standardOutput
    }

    @Test func httpForwardsTheBodyByteForByteWithIDsHeadersAndSignature() throws {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let builder = try HTTPSinkRequestBuilder(
            url: "https://internal.example/hooks", headers: [("Authorization", "Bearer t0k")], signSecret: secret,
            timeout: .seconds(5))
        let body = #"{"id":"evt_01HT9", "type":"task.failed" ,"data":{"n":1.50,"s":"é"}}"#
        let request = builder.request(for: record(body), nowSeconds: 1_760_000_123)
        #expect(request.body == Array(body.utf8))
        #expect(request.url == "https://internal.example/hooks")
        #expect(request.timeout == .seconds(5))
        #expect(header(request, "content-type") == "application/json")
        #expect(header(request, "x-moda-event-id") == "evt_01HT9")
        #expect(header(request, "x-moda-event-type") == "task.failed")
        #expect(header(request, "authorization") == "Bearer t0k")
        #expect(header(request, "webhook-id") == "evt_01HT9")
        #expect(header(request, "webhook-timestamp") == "1760000123")
        let expected = try pythonSignature(
            secret: secret, id: "evt_01HT9", timestamp: "1760000123", body: Array(body.utf8))
        #expect(expected.hasPrefix("v1,"))
        #expect(header(request, "webhook-signature") == expected)
        let unsigned = try HTTPSinkRequestBuilder(url: "http://x", headers: [], signSecret: nil, timeout: .seconds(1))
        #expect(header(unsigned.request(for: record(body), nowSeconds: 1), "webhook-signature") == nil)
    }
}
