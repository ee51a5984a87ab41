/// String literals: UTF-8 validation, escapes and surrogate pairs.
extension JSONParser.Cursor {
    mutating func parseString() throws(JSONParser.Error) -> String {
        index += 1
        let start = index
        // Fast path: no escapes; the bytes are the string's UTF-8 once validated.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("control character in string") }
            if byte < 0x80 {
                index += 1
            } else {
                index += try utf8SequenceLength()
            }
        }
        var utf8 = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                index += 1
                try appendEscape(to: &utf8)
            case 0..<0x20:
                throw error("control character in string")
            case 0x20..<0x80:
                utf8.append(byte)
                index += 1
            default:
                let length = try utf8SequenceLength()
                utf8.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<index + length]))
                index += length
            }
        }
        throw error("unterminated string")
    }

    /// The length of the well-formed UTF-8 sequence that starts at `index` with a byte of
    /// 0x80 or more (RFC 3629, Unicode table 3-7), or an error.
    func utf8SequenceLength() throws(JSONParser.Error) -> Int {
        let lead = bytes[index]
        let length: Int
        let second: ClosedRange<UInt8>
        switch lead {
        case 0xC2...0xDF: (length, second) = (2, 0x80...0xBF)
        case 0xE0: (length, second) = (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (length, second) = (3, 0x80...0xBF)
        case 0xED: (length, second) = (3, 0x80...0x9F)  // not an encoded surrogate
        case 0xF0: (length, second) = (4, 0x90...0xBF)
        case 0xF1...0xF3: (length, second) = (4, 0x80...0xBF)
        case 0xF4: (length, second) = (4, 0x80...0x8F)  // not above U+10FFFF
        default: throw error("invalid UTF-8 in string")
        }
        guard bytes.count - index >= length, second.contains(bytes[index + 1]) else {
            throw error("invalid UTF-8 in string")
        }
        for offset in 2..<length where !(0x80...0xBF).contains(bytes[index + offset]) {
            throw error("invalid UTF-8 in string")
        }
        return length
    }

    mutating func appendEscape(to utf8: inout [UInt8]) throws(JSONParser.Error) {
        guard index < bytes.count else { throw error("unterminated escape") }
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""): utf8.append(0x22)
        case UInt8(ascii: "\\"): utf8.append(0x5C)
        case UInt8(ascii: "/"): utf8.append(0x2F)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try parseHex4()
            var scalar = unit
            if (0xD800..<0xDC00).contains(unit) {
                // A high surrogate pairs with a low-surrogate escape right after it; alone, it
                // is a lone surrogate (allowed by the grammar) and becomes U+FFFD. An escape
                // after it that is not a low surrogate is left for the caller to read.
                if bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"),
                    bytes[index + 1] == UInt8(ascii: "u"),
                    let low = hex4(at: index + 2), (0xDC00..<0xE000).contains(low)
                {
                    index += 6
                    scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    scalar = 0xFFFD
                }
            } else if (0xDC00..<0xE000).contains(unit) {
                scalar = 0xFFFD
            }
            Self.appendUTF8(scalar, to: &utf8)
        default:
            throw error("invalid escape")
        }
    }

    /// UTF-8 of a scalar value (never a surrogate here).
    static func appendUTF8(_ scalar: UInt32, to utf8: inout [UInt8]) {
        switch scalar {
        case ..<0x80:
            utf8.append(UInt8(scalar))
        case ..<0x800:
            utf8.append(0xC0 | UInt8(scalar >> 6))
            utf8.append(0x80 | UInt8(scalar & 0x3F))
        case ..<0x10000:
            utf8.append(0xE0 | UInt8(scalar >> 12))
            utf8.append(0x80 | UInt8((scalar >> 6) & 0x3F))
            utf8.append(0x80 | UInt8(scalar & 0x3F))
        default:
            utf8.append(0xF0 | UInt8(scalar >> 18))
            utf8.append(0x80 | UInt8((scalar >> 12) & 0x3F))
            utf8.append(0x80 | UInt8((scalar >> 6) & 0x3F))
            utf8.append(0x80 | UInt8(scalar & 0x3F))
        }
    }

    /// Four hex digits at `position`, or nil; reads without moving.
    func hex4(at position: Int) -> UInt32? {
        guard bytes.count - position >= 4 else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            guard let digit = Hex.value(bytes[position + offset]) else { return nil }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    mutating func parseHex4() throws(JSONParser.Error) -> UInt32 {
        guard let value = hex4(at: index) else { throw error("invalid \\u escape") }
        index += 4
        return value
    }
}
