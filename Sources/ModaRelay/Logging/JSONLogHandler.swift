import Foundation
import Logging
import RelayCore
import Spool
import Synchronization

/// Writes one JSON object per log line to stderr:
/// `{"ts":"2026-11-23T10:15:30.250Z","level":"info","logger":"moda-relay","msg":"…","relay.sink":"…"}`.
/// Metadata keys become top-level members (the message's own keys win over the handler's).
struct JSONLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private static let output = Mutex(())

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: JSONValue] = [:]
        var all = self.metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let explicit = event.metadata { all.merge(explicit) { _, new in new } }
        for (key, value) in all { fields[key] = Self.json(value) }
        fields["ts"] = .string(Timestamp.rfc3339(millis: WallClock.nowMillis()))
        fields["level"] = .string(event.level.rawValue)
        fields["logger"] = .string(label)
        fields["msg"] = .string(event.message.description)
        let line = Data((JSONValue.object(fields).compactJSON + "\n").utf8)
        Self.output.withLock { _ in FileHandle.standardError.write(line) }
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): return .string(text)
        case .stringConvertible(let convertible): return .string(convertible.description)
        case .array(let values): return .array(values.map(json))
        case .dictionary(let members): return .object(members.mapValues(json))
        }
    }
}
