/// Percent-decoding (RFC 3986 `%XX`) to UTF-8, shared by the admin query strings and the
/// cluster store's URL.
package enum PercentEncoding {
    /// Why a text does not decode.
    package enum Failure: Error, Equatable, Sendable {
        /// A `%` not followed by two hex digits.
        case badEscape
        /// The decoded bytes are not UTF-8.
        case notUTF8
    }

    /// Decodes `text`; with `plusIsSpace` (form encoding, query strings) `+` becomes a space.
    package static func decode(_ text: Substring, plusIsSpace: Bool) throws(Failure) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+") where plusIsSpace: bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(Hex.value), let low = iterator.next().flatMap(Hex.value) else {
                    throw .badEscape
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw .notUTF8 }
        return decoded
    }

}
