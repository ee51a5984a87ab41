/// What the claim store reports, for metrics.
package protocol ClaimStoreObserver: Sendable {
    /// One round trip of `operation` (`claim`, `commit`, `resolve`, `probe`, `expire`, …) took `duration`.
    func roundTrip(_ operation: String, duration: Duration)
    /// An operation failed; `code` is the SQLSTATE, or `connection` / `timeout`.
    func failed(code: String)
    /// A claim had to wait for another instance's uncommitted claim of a key.
    func claimWaited()
    /// Claims expired by the window.
    func expired(_ count: Int)
    /// The store became reachable (true) or not (false).
    func reachable(_ up: Bool)
}
