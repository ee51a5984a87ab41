import RelayConfig
import RelayCore
import RelayDispatch
import Spool
import Yams

/// `sink: http`: keys `url` (required), `headers`, `sign_secret`.
package struct HTTPSinkKind: SinkKind {
    package let kind = HTTPSinkSettings.kind
    package let keys: Set<String> = ["url", "headers", "sign_secret"]
    package let requiredKeys = ["url"]

    /// Headers the relay sets itself.
    static let reservedHeaders: Set<String> = [
        "content-length", "content-type", "host", "transfer-encoding", "connection",
    ]

    package init() {}

    package func read(from pairs: [(key: String, keyNode: Node, value: Node)], route: String, reader: inout YAMLReader)
        -> HTTPSinkSettings?
    {
        var settings = HTTPSinkSettings(url: "")
        for (key, _, value) in pairs {
            switch key {
            case "url": settings.url = reader.webhookURL(value) ?? ""
            case "headers": settings.headers = readHeaders(value, reader: &reader)
            case "sign_secret": settings.signSecret = readSignSecret(value, reader: &reader)
            default: break
            }
        }
        return settings
    }

    package func makeSink(_ settings: HTTPSinkSettings, route: Route) throws -> any Sink {
        HTTPSink(
            builder: try HTTPSinkRequestBuilder(
                url: settings.url, headers: settings.headers, signSecret: settings.signSecret, timeout: route.timeout))
    }

    package func explain(_ settings: HTTPSinkSettings, route: Route, record: SpoolRecord) -> [String] {
        guard
            let builder = try? HTTPSinkRequestBuilder(
                url: settings.url, headers: settings.headers, signSecret: settings.signSecret, timeout: route.timeout)
        else { return [] }
        let request = builder.request(for: record, nowSeconds: WallClock.nowMillis() / 1000)
        return ["  POST \(settings.url) (the event body, \(record.body.count) bytes)"]
            + request.headers.map { "  \($0.0): \(ExplainRedaction.header($0.0, $0.1))" }
    }

    /// RFC 9110 token characters, checked byte by byte.
    static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                    return true
                default:
                    return false
                }
            }
    }

    /// A header value may hold no control byte but tab: CR or LF would split the request. Checked
    /// on bytes: `"\r\n"` is a single `Character`, so `contains("\r")` misses it.
    static func isHeaderValue(_ value: String) -> Bool {
        !value.utf8.contains { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }
    }

    private func readHeaders(_ node: Node, reader: inout YAMLReader) -> [(String, String)] {
        guard let pairs = reader.mapping(node, what: "'headers'") else { return [] }
        var headers: [(String, String)] = []
        for (key, keyNode, value) in pairs {
            guard Self.isHeaderName(key) else {
                reader.error("invalid header name '\(key)'", at: keyNode)
                continue
            }
            guard !Self.reservedHeaders.contains(key.lowercased()) else {
                reader.error("header '\(key)' is set by the relay and cannot be overridden", at: keyNode)
                continue
            }
            guard let text = reader.string(value, key: "headers.\(key)") else { continue }
            guard Self.isHeaderValue(text) else {
                reader.error("header '\(key)' must not contain line breaks or other control characters", at: value)
                continue
            }
            headers.append((key, text))
        }
        return headers
    }

    private func readSignSecret(_ node: Node, reader: inout YAMLReader) -> String? {
        guard let text = reader.string(node, key: "sign_secret") else { return nil }
        guard text.hasPrefix("whsec_"), (try? StandardWebhooksSigner(secret: text)) != nil else {
            reader.error("'sign_secret' must be 'whsec_' followed by base64 (Standard Webhooks)", at: node)
            return nil
        }
        return text
    }
}
