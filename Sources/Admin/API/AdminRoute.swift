/// One admin endpoint: its path, the methods it answers, the label its requests are counted
/// under, and how it answers.
struct AdminRoute: Sendable {
    /// Where an endpoint's work runs.
    enum Work: Sendable {
        /// On the event loop: answers from memory only.
        case inline(@Sendable (AdminRequest) -> AdminResponse)
        /// On the relay's blocking pool: file reads, fsyncs, waiting for commits.
        case blocking(@Sendable (AdminRequest) -> AdminResponse)
    }

    let path: String
    /// The methods answered; any other gets 405 naming the first of them.
    let methods: [String]
    /// The `endpoint` label of `moda_relay_admin_requests_total`.
    let endpoint: String
    let work: Work
}
