import RelayCore

/// One run's view of the ledger: what was requested before, recorded durably as it goes.
package protocol BackfillLedgerSession: Sendable {
    func isRequested(_ id: String) -> Bool
    var watermarkMillis: Int64? { get }
    /// Records a request, durably, before the run goes on.
    func record(_ request: RequestedRedelivery) async throws
    /// Moves the watermark, durably.
    func setWatermark(_ millis: Int64) async throws
}
