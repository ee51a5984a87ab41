import ArgumentParser
import Foundation
import RelayConfig
import RelayCore
import Sinks

/// `moda-relay check`: validates route files (and a config file) for CI of configuration repositories.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Validate route files (and --config); print FILE:LINE:COL: message for each problem; exit 1 on any error."
    )

    @Option(name: .long, help: "Directory of route files (default: the config file's routes, else ./routes).")
    var routes: String?

    @Option(
        name: .long, help: "A relay.yaml to validate too; its routes directory is checked unless --routes is given.")
    var config: String?

    func run() throws {
        var settings = RelaySettings()
        var configErrors = 0
        if let config {
            var diagnostics = RelaySettings.load(file: config, into: &settings)
            // The checks between settings, as `serve` makes them.
            diagnostics += settings.problems.map { ConfigDiagnostic(file: config, line: 1, column: 1, message: $0) }
            for diagnostic in diagnostics {
                print(diagnostic.description)
                if diagnostic.severity == .error { configErrors += 1 }
            }
        }
        let directory = routes ?? settings.routesDirectory
        let result = RouteLoader.load(directory: directory, environment: ProcessInfo.processInfo.environment)
        for diagnostic in result.diagnostics {
            print(diagnostic.description)
        }
        let disabled = result.routes.filter { !$0.enabled }.count
        var summary =
            "\(result.routes.count) route(s) valid, \(disabled) disabled; \(result.errors.count) error(s), \(result.warnings.count) warning(s)"
        if config != nil { summary += "; config: \(configErrors) error(s)" }
        // The URL as it will be used, without its password.
        if let url = settings.postgresURL { summary += "; cluster mode, shared store \(url)" }
        FileHandle.standardError.write(Data((summary + "\n").utf8))
        if !result.errors.isEmpty || configErrors > 0 { throw ExitCode(1) }
    }
}
