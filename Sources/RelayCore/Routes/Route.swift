/// One route: one file in `routes/`, one sink, its own spool, retry policy and limits.
package struct Route: Sendable, Equatable {
    /// The file name without extension; also the sink's and spool's name.
    package var name: String
    /// Where it delivers, as its sink kind read it.
    package var sink: any SinkSettings
    package var match: RouteMatch
    package var retry: RetryPolicy
    /// Per-attempt timeout.
    package var timeout: Duration
    /// In-flight deliveries allowed at once.
    package var concurrency: Int
    /// Deliveries allowed per interval, or nil for no limit.
    package var rate: Rate?
    /// False when the file says `enabled: false` or a `${VAR}` it needs is unset.
    package var enabled: Bool
    /// Why the route is disabled, when it is.
    package var disabledReason: String?

    package init(
        name: String, sink: any SinkSettings, match: RouteMatch = RouteMatch(), retry: RetryPolicy = RetryPolicy(),
        timeout: Duration = .seconds(10), concurrency: Int? = nil, rate: Rate? = nil,
        enabled: Bool = true, disabledReason: String? = nil
    ) {
        self.name = name
        self.sink = sink
        self.match = match
        self.retry = retry
        self.timeout = timeout
        self.concurrency = concurrency ?? type(of: sink).defaultConcurrency
        self.rate = rate ?? type(of: sink).defaultRate
        self.enabled = enabled
        self.disabledReason = disabledReason
    }

    package static func == (lhs: Route, rhs: Route) -> Bool {
        lhs.name == rhs.name && lhs.sink.isEqual(to: rhs.sink) && lhs.match == rhs.match && lhs.retry == rhs.retry
            && lhs.timeout == rhs.timeout && lhs.concurrency == rhs.concurrency && lhs.rate == rhs.rate
            && lhs.enabled == rhs.enabled && lhs.disabledReason == rhs.disabledReason
    }

    /// Whether `other` delivers exactly as this route does (everything but `match`, which only
    /// the ingress uses): a reload keeps the running worker when it does.
    package func deliversLike(_ other: Route) -> Bool {
        var mine = self
        mine.match = other.match
        return mine == other
    }
}
