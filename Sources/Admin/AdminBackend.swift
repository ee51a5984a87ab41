import Logging
import RelayCore
import RelayDispatch
import Spool

/// What the admin API needs from the running relay, and nothing more: probes, metrics, the
/// sinks' reports and recent attempts, dead letters and their replay.
package protocol AdminBackend: Sendable {
    /// Host names the listener answers besides `localhost` and IP literals.
    var adminHosts: [String] { get }
    /// The bearer token `/admin/*` requires, if one is configured.
    var adminToken: [UInt8]? { get }
    var logger: Logger { get }

    func countAdminRequest(endpoint: String, status: Int)
    func readiness() -> Readiness
    func metricsExposition() -> [UInt8]
    /// Every sink the relay knows (reads dead-letter logs and spools: call it off the event loops).
    func sinkReports() -> [SinkReport]
    /// Cluster mode's store, for `/admin/sinks`; nil when local only.
    var storeReport: JSONValue? { get }
    /// The backfill reconciler's state (`enabled: false` without a Moda API key).
    var backfillReport: JSONValue { get }
    /// The running workers' recent attempts, newest first, by sink: only `sink`'s when given
    /// (empty if no worker runs for it).
    func recentAttempts(sink: String?) -> [String: [DeliveryAttempt]]
    /// The running workers' attempts per time bucket, ending with the bucket of `nowMillis`: only
    /// `sink`'s when given (empty if no worker runs for it).
    func activity(sink: String?, nowMillis: Int64) -> [String: AttemptActivity.Series]
    /// Sinks with a dead-letter log, sorted.
    func deadLetterSinks() -> [String]
    /// Whether a worker runs for `sink`.
    func isRunning(sink: String) -> Bool
    func deadLetters(sink: String) throws(SpoolError) -> DeadLetterLog
    /// Re-enqueues dead letters (blocks: call it off the event loops).
    func replay(_ request: ReplayRequest) throws(ReplayFailure) -> ReplayReport
    /// Runs `work` on the blocking pool; its argument is false when the relay is shutting down.
    func runBlocking(_ work: @escaping @Sendable (_ active: Bool) -> Void)
}
