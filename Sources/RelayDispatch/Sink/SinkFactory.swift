import RelayCore
import Spool

/// Builds the sink for a route (the registry of sink kinds, injected by the composition root).
package protocol SinkFactory: Sendable {
    func makeSink(for route: Route) throws -> any Sink
}
