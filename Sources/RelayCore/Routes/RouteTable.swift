/// The set of loaded routes, in name order; answers which enabled routes an event goes to.
package struct RouteTable: Sendable {
    package let routes: [Route]

    package init(routes: [Route]) {
        self.routes = routes.sorted { $0.name < $1.name }
    }

    /// Routes that are enabled.
    package var enabled: [Route] { routes.filter(\.enabled) }

    /// The enabled routes whose match accepts `event`, in name order.
    package func routes(for event: Event) -> [Route] {
        routes.filter { $0.enabled && $0.match.matches(event) }
    }
}
