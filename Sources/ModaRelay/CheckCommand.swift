import ArgumentParser
import Foundation
import RelayConfig

/// `moda-relay check`: validates route files for CI of route repositories.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate route files; print FILE:LINE:COL: message for each problem; exit 1 on any error."
    )

    @Option(name: .long, help: "Directory of route files.")
    var routes: String = "./routes"

    func run() throws {
        let result = RouteLoader.load(directory: routes, environment: ProcessInfo.processInfo.environment)
        for diagnostic in result.diagnostics {
            print(diagnostic.description)
        }
        let disabled = result.routes.filter { !$0.enabled }.count
        let summary =
            "\(result.routes.count) route(s) valid, \(disabled) disabled; \(result.errors.count) error(s), \(result.warnings.count) warning(s)"
        FileHandle.standardError.write(Data((summary + "\n").utf8))
        if !result.errors.isEmpty { throw ExitCode(1) }
    }
}
