import RelayCore

/// A `file` route: append one line per event to `path`, rotating at `maxBytes` and keeping
/// `keep` old files.
package struct FileSinkSettings: SinkSettings, Equatable {
    package static let kind = "file"

    package var path: String
    package var maxBytes: Int64
    package var keep: Int

    package init(path: String, maxBytes: Int64 = 100 << 20, keep: Int = 5) {
        self.path = path
        self.maxBytes = maxBytes
        self.keep = keep
    }

    /// Two routes on one file would interleave and rotate each other's lines.
    package var exclusiveResource: String? { path }

    package var description: String { "file \(path)" }
}
