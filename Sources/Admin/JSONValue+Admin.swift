import NIOHTTP1
import RelayCore

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
