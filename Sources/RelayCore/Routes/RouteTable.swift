/// The set of loaded routes, in name order; answers which enabled routes an event goes to.
package struct RouteTable: Sendable {
    package let routes: [Route]

    /// Whether matching needs the whole event document (some enabled route matches on fields).
    package let needsDocument: Bool

    package init(routes: [Route]) {
        self.routes = routes.sorted { $0.name < $1.name }
        self.needsDocument = routes.contains { $0.enabled && !$0.match.fields.isEmpty }
    }

    /// Routes that are enabled.
    package var enabled: [Route] { routes.filter(\.enabled) }

    /// The enabled routes whose match accepts `event`, in name order.
    package func routes(for event: Event) -> [Route] {
        routes.filter { $0.enabled && $0.match.matches(event) }
    }
}
