/// What the reconciler has done, for `/admin/backfill`, `moda-relay sinks` and the console.
package struct BackfillStatus: Sendable, Equatable {
    /// False when no Moda API key is configured.
    package var enabled = false
    /// How often it runs; nil: only by hand (`backfill_interval: off`).
    package var intervalSeconds: Int64?
    package var running = false
    package var lastRunAtMillis: Int64?
    package var lastSuccessAtMillis: Int64?
    /// `ok`, `failed` (some requests failed, or Moda could not be listed) or `unauthorized`.
    package var lastOutcome: String?
    /// Failed deliveries to our URL found by the last run.
    package var found = 0
    /// Redeliveries the last run requested.
    package var requested = 0
    /// Requests of the last run that failed.
    package var failed = 0
    package var lastError: String?
    /// Where the next run starts (the last good run's start, less the overlap).
    package var watermarkMillis: Int64?

    package init() {}
}
