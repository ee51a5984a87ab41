import NIOHTTP1
import RelayCore

/// One request to the admin listener, complete.
struct AdminRequest: Sendable {
    var method: String
    var path: String
    var query: [String: String]
    var authorization: String?
    /// The `Host` header, if any (HTTP/1.0 clients may omit it).
    var host: String?
    var contentType: String?
    var body: [UInt8]

    init(head: HTTPRequestHead, body: [UInt8]) {
        method = head.method.rawValue
        let parts = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = parts.first.map(String.init) ?? "/"
        query = parts.count > 1 ? Self.parseQuery(String(parts[1])) : [:]
        authorization = head.headers.first(name: "authorization")
        host = head.headers.first(name: "host")
        contentType = head.headers.first(name: "content-type")
        self.body = body
    }

    /// `a=1&b=x%20y` → `["a": "1", "b": "x y"]` (`+` is a space; the last repeat wins).
    static func parseQuery(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first.flatMap({ decode(String($0)) }), !name.isEmpty else { continue }
            out[name] = parts.count > 1 ? decode(String(parts[1])) ?? "" : ""
        }
        return out
    }

    private static func decode(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(Self.hex), let low = iterator.next().flatMap(Self.hex) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// An admin answer: JSON unless it is the metrics text.
struct AdminResponse: Sendable {
    var status: Int
    var body: [UInt8]
    var contentType = "application/json"
    var headers: [(String, String)] = []

    static func json(_ status: Int, _ value: JSONValue) -> AdminResponse {
        AdminResponse(status: status, body: Array(value.compactJSON.utf8))
    }

    /// `{"ok":false,"reason":…}`.
    static func error(_ status: Int, _ reason: String) -> AdminResponse {
        json(status, .object(["ok": .bool(false), "reason": .string(reason)]))
    }
}

extension JSONValue {
    static func int<Integer: BinaryInteger>(_ value: Integer) -> JSONValue { .number(String(value)) }

    static func seconds(_ value: Double) -> JSONValue {
        .number(String(format3(value)))
    }

    static func time(millis: Int64) -> JSONValue { .string(Timestamp.rfc3339(millis: millis)) }

    static func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    /// Three decimals, as JSON numbers are written (no exponent).
    private static func format3(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e15 else { return value.isNaN ? "0.000" : value < 0 ? "-1e15" : "1e15" }
        let millis = (value * 1000).rounded()
        let sign = millis < 0 ? "-" : ""
        let whole = Int64(abs(millis))
        let fraction = String(whole % 1000)
        return sign + String(whole / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
