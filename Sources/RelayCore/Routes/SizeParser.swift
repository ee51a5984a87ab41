/// Parses byte sizes: `1048576`, `512KiB`, `64MiB`, `1GiB`, and the decimal `KB`/`MB`/`GB`.
package enum SizeParser {
    /// The size in bytes, or nil when `text` is not of that form.
    package static func parse(_ text: String) -> Int64? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let value = Int64(digits) else { return nil }
        let multiplier: Int64
        switch text.dropFirst(digits.count).trimmingCharacters(in: " ") {
        case "", "B": multiplier = 1
        case "KiB": multiplier = 1 << 10
        case "MiB": multiplier = 1 << 20
        case "GiB": multiplier = 1 << 30
        case "KB": multiplier = 1000
        case "MB": multiplier = 1_000_000
        case "GB": multiplier = 1_000_000_000
        default: return nil
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }
}
