import RelayConfig
import RelayCore
import RelayDispatch
import Spool

/// The sink kinds a relay knows. Adding a kind means one folder and one line in ``standard``.
package struct SinkRegistry: SinkFactory {
    /// Every kind this build ships.
    package static let standard = SinkRegistry(kinds: [
        FileSinkKind(), HTTPSinkKind(), SlackSinkKind(), DiscordSinkKind(),
    ])

    package let kinds: [any SinkKind]

    package init(kinds: [any SinkKind]) { self.kinds = kinds }

    /// The kinds as ``RouteLoader`` reads them.
    package var routeKeys: [any SinkRouteKeys] { kinds }

    /// A route's sink was built by a kind this registry does not have.
    package struct UnknownKind: Error, CustomStringConvertible {
        package var kind: String
        package var description: String { "no sink kind '\(kind)' in this build" }
    }

    package func makeSink(for route: Route) throws -> any Sink {
        for kind in kinds {
            if let sink = try kind.makeSink(for: route) { return sink }
        }
        throw UnknownKind(kind: route.sink.kind)
    }

    /// What `explain` prints under a matching route.
    package func explain(route: Route, record: SpoolRecord) -> [String] {
        for kind in kinds {
            if let lines = kind.explain(route: route, record: record) { return lines }
        }
        return ["  (no sink kind '\(route.sink.kind)' in this build)"]
    }
}

extension RouteLoader {
    /// Loads `directory` with every sink kind this build ships.
    package static func load(directory: String, environment: [String: String]) -> Result {
        load(directory: directory, environment: environment, kinds: SinkRegistry.standard.routeKeys)
    }

    /// Parses one route file's text with every sink kind this build ships.
    package static func parse(
        _ text: String, name: String, file: String, environment: [String: String]
    ) -> (Route?, [ConfigDiagnostic]) {
        parse(text, name: name, file: file, environment: environment, kinds: SinkRegistry.standard.routeKeys)
    }
}
