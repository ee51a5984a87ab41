#if canImport(Glibc)
    import Glibc
#endif

/// Wall-clock instants as the admin API writes and reads them.
package enum Timestamp {
    /// `2026-11-23T10:15:30.250Z` (UTC, milliseconds).
    package static func rfc3339(millis: Int64) -> String {
        var seconds = time_t(millis.floorDivided(by: 1000))
        let fraction = Int(millis - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(fraction), 3))Z"
    }

    /// The latest instant ``parse(_:)`` accepts: 9999-12-31T23:59:59.999Z, in milliseconds.
    package static let latestMillis: Int64 = 253_402_300_799_999

    /// Parses an instant: RFC 3339 (`2026-11-23T10:15:30Z`, optional fraction, `Z` or `±hh:mm`),
    /// or Unix seconds (`1763892930`). Returns milliseconds since the epoch, or nil for anything
    /// else, including instants before 1970 or after ``latestMillis``: the text comes from the
    /// network, so no value may overflow.
    package static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        if !bytes.isEmpty, bytes.count <= 12, bytes.allSatisfy({ (48...57).contains($0) }) {
            var seconds: Int64 = 0
            for byte in bytes { seconds = seconds * 10 + Int64(byte - 48) }  // at most 12 digits: no overflow
            return seconds * 1000 <= latestMillis ? seconds * 1000 : nil
        }
        guard bytes.count >= 20 else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var value: Int32 = 0
            for index in range {
                guard index < bytes.count, (48...57).contains(bytes[index]) else { return nil }
                value = value * 10 + Int32(bytes[index] - 48)
            }
            return value
        }
        guard let year = number(0..<4), bytes[4] == UInt8(ascii: "-"), let month = number(5..<7),
            bytes[7] == UInt8(ascii: "-"), let day = number(8..<10),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
            let hour = number(11..<13), bytes[13] == UInt8(ascii: ":"), let minute = number(14..<16),
            bytes[16] == UInt8(ascii: ":"), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var millis: Int64 = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < bytes.count, (48...57).contains(bytes[index]) {
                if digits < 3 { millis = millis * 10 + Int64(bytes[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { millis *= 10 }
        }
        var offsetSeconds: Int64 = 0
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, let hours = number(index + 1..<index + 3),
                bytes[index + 3] == UInt8(ascii: ":"),
                let minutes = number(index + 4..<index + 6)
            else { return nil }
            offsetSeconds = Int64(hours) * 3600 + Int64(minutes) * 60
            if bytes[index] == UInt8(ascii: "+") { offsetSeconds = -offsetSeconds }
            index += 6
        default:
            return nil
        }
        guard index == bytes.count else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        let seconds = Int64(timegm(&parts)) + offsetSeconds
        // A four-digit year and an offset under 100 h keep this far inside Int64.
        let result = seconds * 1000 + millis
        return (0...latestMillis).contains(result) ? result : nil
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
