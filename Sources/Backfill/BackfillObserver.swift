/// What the reconciler reports, for metrics.
package protocol BackfillObserver: Sendable {
    /// A run ended: `outcome` is `ok`, `failed` or `unauthorized`.
    func ran(outcome: String, found: Int, requested: Int, failedRequests: Int, atMillis: Int64)
    /// A stale but correctly signed redelivery the relay had asked for was accepted.
    func staleRedeliveryAccepted()
}
