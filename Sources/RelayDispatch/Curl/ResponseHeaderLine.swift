import Foundation

/// One line of a sink's response head, as libcurl hands it over (bytes from the network).
package enum ResponseHeaderLine: Equatable {
    /// A status line (`HTTP/…`): a new response begins (after a 1xx), earlier headers are void.
    case status
    /// A header the caller may read: its name lowercased, its value trimmed.
    case header(name: String, value: String)
    /// Anything else: not `name: value`, or a name the caller does not read.
    case skipped

    /// Reads `line`. Only names whose length in bytes `wanted` accepts become strings: most
    /// headers are skipped on their bytes, with no allocation.
    package static func parse(_ line: UnsafeRawBufferPointer, wanted: (Int) -> Bool) -> ResponseHeaderLine {
        if line.starts(with: "HTTP/".utf8) { return .status }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), wanted(colon) else { return .skipped }
        let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
        let value = String(decoding: line[(colon + 1)...], as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return .header(name: name, value: value)
    }
}
