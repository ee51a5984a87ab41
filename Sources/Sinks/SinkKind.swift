import RelayConfig
import RelayCore
import RelayDispatch
import Spool
import Yams

/// One sink kind, whole: its route keys and their validation (``SinkRouteKeys``), the sink the
/// worker drives, and what `moda-relay explain` prints for it. Each kind lives in its own folder
/// and is listed once in ``SinkRegistry/standard``.
package protocol SinkKind: SinkRouteKeys {
    /// What this kind reads from a route file.
    associatedtype Settings: SinkSettings

    /// Reads the kind's keys; see ``SinkRouteKeys/settings(from:route:reader:)``.
    func read(from pairs: [(key: String, keyNode: Node, value: Node)], route: String, reader: inout YAMLReader)
        -> Settings?
    /// The sink for one route.
    func makeSink(_ settings: Settings, route: Route) throws -> any Sink
    /// The lines `explain` prints under a matching route: what would be sent, secrets redacted.
    func explain(_ settings: Settings, route: Route, record: SpoolRecord) -> [String]
}

extension SinkKind {
    package func settings(
        from pairs: [(key: String, keyNode: Node, value: Node)], route: String, reader: inout YAMLReader
    ) -> (any SinkSettings)? {
        read(from: pairs, route: route, reader: &reader)
    }

    /// The sink for `route`, if its settings are this kind's.
    func makeSink(for route: Route) throws -> (any Sink)? {
        guard let settings = route.sink as? Settings else { return nil }
        return try makeSink(settings, route: route)
    }

    /// `explain`'s lines for `route`, if its settings are this kind's.
    func explain(route: Route, record: SpoolRecord) -> [String]? {
        guard let settings = route.sink as? Settings else { return nil }
        return explain(settings, route: route, record: record)
    }
}
