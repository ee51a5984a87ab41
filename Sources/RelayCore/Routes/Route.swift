/// One route: one file in `routes/`, one sink, its own spool, retry policy and limits.
package struct Route: Sendable, Equatable {
    /// Where a route delivers.
    package enum Sink: Sendable, Equatable {
        /// Append one line per event to `path`, rotating at `maxBytes`, keeping `keep` old files.
        case file(path: String, maxBytes: Int64, keep: Int)
        /// POST the original body to `url` with static `headers`, optionally re-signed
        /// (Standard Webhooks) with `signSecret`.
        case http(url: String, headers: [(String, String)], signSecret: String?)
        /// POST `{"text": …}` to a Slack incoming webhook, rendered from `templates`.
        case slack(url: String, templates: SlackTemplates)

        /// `file`, `http` or `slack`.
        package var kind: String {
            switch self {
            case .file: return "file"
            case .http: return "http"
            case .slack: return "slack"
            }
        }

        package static func == (lhs: Sink, rhs: Sink) -> Bool {
            switch (lhs, rhs) {
            case let (.file(a, b, c), .file(d, e, f)): return a == d && b == e && c == f
            case let (.http(a, b, c), .http(d, e, f)):
                return a == d && c == f && b.map { $0.0 + "\u{0}" + $0.1 } == e.map { $0.0 + "\u{0}" + $0.1 }
            case let (.slack(a, b), .slack(c, d)): return a == c && b == d
            default: return false
            }
        }
    }

    /// The file name without extension; also the sink's and spool's name.
    package var name: String
    package var sink: Sink
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
        name: String, sink: Sink, match: RouteMatch = RouteMatch(), retry: RetryPolicy = RetryPolicy(),
        timeout: Duration = .seconds(10), concurrency: Int? = nil, rate: Rate? = nil,
        enabled: Bool = true, disabledReason: String? = nil
    ) {
        self.name = name
        self.sink = sink
        self.match = match
        self.retry = retry
        self.timeout = timeout
        if case .slack = sink {
            self.concurrency = concurrency ?? 1
            self.rate = rate ?? Rate(count: 1, per: .seconds(1))
        } else {
            self.concurrency = concurrency ?? 4
            self.rate = rate
        }
        self.enabled = enabled
        self.disabledReason = disabledReason
    }

    /// Whether `other` delivers exactly as this route does (everything but `match`, which only
    /// the ingress uses): a reload keeps the running worker when it does.
    package func deliversLike(_ other: Route) -> Bool {
        var mine = self
        mine.match = other.match
        return mine == other
    }
}
