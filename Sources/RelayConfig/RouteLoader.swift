import Foundation
import RelayCore
import Yams

/// Loads `routes/*.yaml` (and `*.yml`): one file is one route, named after the file.
///
/// The keys every route has are read by ``RouteBuilder``: `sink` (required), `match`, `retry` (`max_attempts`,
/// `backoff`, `max_backoff`, `max_age`), `timeout`, `concurrency`, `rate` and `enabled`. Each sink
/// kind reads its own keys (`path`, `url`, `text`, …) through the ``SinkRouteKeys`` it is given in
/// `kinds`, so this list never names a kind. docs/ROUTES.md has the full table, kind by kind.
///
/// `${VAR}` in any string is replaced from the environment; a route that needs an unset
/// variable is loaded disabled, with a warning.
package enum RouteLoader {
    /// Every route that loaded, and every problem found (errors and warnings).
    package struct Result: Sendable {
        package var routes: [Route]
        package var diagnostics: [ConfigDiagnostic]

        package var errors: [ConfigDiagnostic] { diagnostics.filter { $0.severity == .error } }
        package var warnings: [ConfigDiagnostic] { diagnostics.filter { $0.severity == .warning } }
    }

    /// Loads every route file in `directory`, reading sinks of the given `kinds`. A missing
    /// directory is an error.
    package static func load(directory: String, environment: [String: String], kinds: [any SinkRouteKeys]) -> Result {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return Result(
                routes: [],
                diagnostics: [
                    ConfigDiagnostic(file: directory, line: 1, column: 1, message: "routes directory does not exist")
                ])
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .sorted()
        var result = Result(routes: [], diagnostics: [])
        var byName: [String: String] = [:]
        var byFile: [String: (route: String, file: String)] = [:]
        for name in names {
            let path = directory + "/" + name
            let routeName = String(name[..<name.lastIndex(of: ".")!])
            if let other = byName[routeName] {
                result.diagnostics.append(
                    ConfigDiagnostic(
                        file: path, line: 1, column: 1, message: "route '\(routeName)' is also defined in \(other)"))
                continue
            }
            byName[routeName] = path
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else {
                result.diagnostics.append(
                    ConfigDiagnostic(file: path, line: 1, column: 1, message: "cannot read file as UTF-8"))
                continue
            }
            let (route, diagnostics, exclusivePosition) = parseWithPositions(
                text, name: routeName, file: path, environment: environment, kinds: kinds)
            result.diagnostics += diagnostics
            guard let route else { continue }
            // Two file routes on one path would interleave and rotate each other's file.
            if let target = route.sink.exclusiveResource {
                let resolved = URL(fileURLWithPath: target).standardized.path
                if let other = byFile[resolved] {
                    result.diagnostics.append(
                        ConfigDiagnostic(
                            file: path, line: exclusivePosition?.line ?? 1, column: exclusivePosition?.column ?? 1,
                            message: "route '\(routeName)' writes to the same file as route '\(other.route)' "
                                + "(\(other.file)); give each file route its own path"))
                    continue
                }
                byFile[resolved] = (routeName, path)
            }
            result.routes.append(route)
        }
        return result
    }

    /// Parses one route file's text.
    package static func parse(
        _ text: String, name: String, file: String, environment: [String: String], kinds: [any SinkRouteKeys]
    ) -> (Route?, [ConfigDiagnostic]) {
        let (route, diagnostics, _) = parseWithPositions(
            text, name: name, file: file, environment: environment, kinds: kinds)
        return (route, diagnostics)
    }

    private static func parseWithPositions(
        _ text: String, name: String, file: String, environment: [String: String], kinds: [any SinkRouteKeys]
    ) -> (Route?, [ConfigDiagnostic], (line: Int, column: Int)?) {
        var reader = YAMLReader(file: file, environment: environment)
        guard !name.isEmpty else {
            // `.yaml` would name a route '', whose spool would be the spool directory itself.
            reader.error("a route file needs a name before its extension: the route is named after its file", at: nil)
            return (nil, reader.diagnostics, nil)
        }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }),
            !name.hasPrefix(".")
        else {
            reader.error(
                "route name '\(name)' (from the file name) may only use letters, digits, '-', '_' and '.'", at: nil)
            return (nil, reader.diagnostics, nil)
        }
        guard let root = reader.parse(text), let pairs = reader.mapping(root, what: "a route") else {
            return (nil, reader.diagnostics, nil)
        }
        var builder = RouteBuilder(name: name, kinds: kinds)
        builder.read(pairs, root: root, reader: &reader)
        let route = builder.build(reader: &reader)
        return (route, reader.diagnostics, builder.exclusivePosition)
    }
}
