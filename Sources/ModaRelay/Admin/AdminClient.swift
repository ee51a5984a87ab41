import ArgumentParser
import Foundation
import RelayConfig
import RelayCore
import RelayDispatch

/// Calls the admin API with libcurl and decodes its JSON.
struct AdminClient {
    let base: String
    let token: String?

    /// GETs or POSTs `path`; returns the JSON of a 2xx answer, or prints the reason and exits 1.
    func call(_ method: OutboundRequest.Method, _ path: String, body: JSONValue? = nil) async throws -> JSONValue {
        var headers: [(String, String)] = [("Accept", "application/json"), ("User-Agent", "moda-relay-cli")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        var bytes: [UInt8] = []
        if let body {
            headers.append(("Content-Type", "application/json"))
            bytes = Array(body.compactJSON.utf8)
        }
        let request = OutboundRequest(
            method: method, url: base + path, headers: headers, body: bytes, timeout: .seconds(60),
            maxResponseBytes: 64 << 20)
        switch await CurlDispatcher.once(request) {
        case .response(let status, _, let text):
            let document = try? JSONParser.parse(Array(text.utf8))
            guard (200..<300).contains(status), let document else {
                let reason = document?["reason"]?.stringValue ?? text
                ServeCommand.fail("\(method.rawValue) \(path): HTTP \(status): \(reason)")
                throw ExitCode(1)
            }
            return document
        case .transportFailure(let kind, let message):
            ServeCommand.fail("cannot reach the admin API at \(base): \(kind.rawValue): \(message)")
            throw ExitCode(1)
        }
    }
}

extension JSONValue {
    /// Text for a table cell: strings as-is, numbers as written, null as `-`.
    var cell: String {
        switch self {
        case .null: return "-"
        case .string(let text): return text
        default: return renderedText
        }
    }
}
