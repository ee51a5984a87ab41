import RelayConfig
import RelayCore
import RelayDispatch
import Spool
import Yams

/// `sink: file`: keys `path` (required), `max_bytes` (100 MiB) and `keep` (5).
package struct FileSinkKind: SinkKind {
    package let kind = FileSinkSettings.kind
    package let keys: Set<String> = ["path", "max_bytes", "keep"]
    package let requiredKeys = ["path"]
    package let exclusiveKey: String? = "path"

    package init() {}

    package func read(from pairs: [(key: String, keyNode: Node, value: Node)], route: String, reader: inout YAMLReader)
        -> FileSinkSettings?
    {
        var settings = FileSinkSettings(path: "")
        for (key, _, value) in pairs {
            switch key {
            case "path": settings.path = reader.string(value, key: key) ?? ""
            case "max_bytes": settings.maxBytes = reader.size(value, key: key) ?? settings.maxBytes
            case "keep": settings.keep = reader.integer(value, key: key, range: 0...1000) ?? settings.keep
            default: break
            }
        }
        return settings
    }

    package func makeSink(_ settings: FileSinkSettings, route: Route) throws -> any Sink {
        FileSink(writer: try FileSinkWriter(path: settings.path, maxBytes: settings.maxBytes, keep: settings.keep))
    }

    package func explain(_ settings: FileSinkSettings, route: Route, record: SpoolRecord) -> [String] {
        [
            "  append to \(settings.path): \(String(decoding: FileSinkWriter.line(for: record.body).dropLast(), as: UTF8.self))"
        ]
    }
}
