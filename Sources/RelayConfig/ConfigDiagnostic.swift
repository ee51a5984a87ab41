/// A problem in a configuration file, at a 1-based line and column.
/// Printed as `FILE:LINE:COL: message` (warnings as `FILE:LINE:COL: warning: message`).
package struct ConfigDiagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Severity: String, Sendable {
        case error
        case warning
    }

    package var file: String
    package var line: Int
    package var column: Int
    package var severity: Severity
    package var message: String

    package init(file: String, line: Int, column: Int, severity: Severity = .error, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.severity = severity
        self.message = message
    }

    package var description: String {
        let prefix = "\(file):\(line):\(column): "
        return severity == .warning ? prefix + "warning: " + message : prefix + message
    }
}
