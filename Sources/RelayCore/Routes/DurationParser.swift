/// Parses durations written as a number and a unit, optionally chained: `250ms`, `1s`, `10m`,
/// `24h`, `7d`, `1m30s`.
package enum DurationParser {
    /// The longest duration accepted: 100 years. Every later conversion (to milliseconds or
    /// nanoseconds in `Int64`) stays far from overflow.
    package static let maximum = Duration.seconds(3_153_600_000)

    /// The duration, or nil when `text` is not of that form or is longer than ``maximum``.
    package static func parse(_ text: String) -> Duration? {
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty else { return nil }
        var total = Duration.zero
        var index = 0
        while index < scalars.count {
            var digits = ""
            while index < scalars.count, ("0"..."9").contains(scalars[index]) {
                digits.unicodeScalars.append(scalars[index])
                index += 1
            }
            var unit = ""
            while index < scalars.count, ("a"..."z").contains(scalars[index]) {
                unit.unicodeScalars.append(scalars[index])
                index += 1
            }
            guard let value = Int64(digits), value <= 1_000_000_000 else { return nil }
            switch unit {
            case "ms": total += .milliseconds(value)
            case "s": total += .seconds(value)
            case "m": total += .seconds(value * 60)
            case "h": total += .seconds(value * 3600)
            case "d": total += .seconds(value * 86_400)
            default: return nil
            }
            guard total <= maximum else { return nil }
        }
        return total
    }

    /// Like ``parse(_:)``, for settings that can be switched off: `off` and `0` mean zero.
    package static func parseOrOff(_ text: String) -> Duration? {
        ["off", "0"].contains(text) ? .zero : parse(text)
    }
}
