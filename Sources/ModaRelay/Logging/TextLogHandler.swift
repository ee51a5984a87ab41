import Foundation
import Logging
import RelayCore
import Spool
import Synchronization

/// Writes one text line per log record to stderr, in `StreamLogHandler`'s layout:
/// `2026-11-23T10:15:30.250Z warning moda-relay: relay.event.id="evt_1" relay.sink="slack" [Ingress] message`.
///
/// Unlike `StreamLogHandler`, every value (message, metadata keys and values) goes through
/// ``LogEscaping``: a value from outside can never break the line or reach the terminal raw. And
/// every metadata value is quoted (a `"` inside as `\"`), so a value from outside (a sink's answer,
/// an event id) can never pass for another field: `relay.reason="x relay.sink=y"` is one field.
struct TextLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    private static let output = Mutex(())

    init(label: String, level: Logger.Level, write: @escaping @Sendable (String) -> Void = TextLogHandler.standardError)
    {
        self.label = label
        self.logLevel = level
        self.write = write
    }

    static func standardError(_ line: String) {
        let data = Data(line.utf8)
        output.withLock { _ in FileHandle.standardError.write(data) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// `"text"`, escaped for one line, with its quotes escaped too.
    static func quoted(_ text: String) -> String {
        "\"" + LogEscaping.escape(text).replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let explicit = event.metadata { all.merge(explicit) { _, new in new } }
        var line = Timestamp.rfc3339(millis: WallClock.nowMillis()) + " \(event.level) " + label + ":"
        for (key, value) in all.sorted(by: { $0.key < $1.key }) {
            line += " " + LogEscaping.escape(key) + "=" + Self.quoted(value.description)
        }
        line += " [\(event.source)] " + LogEscaping.escape(event.message.description) + "\n"
        write(line)
    }
}
