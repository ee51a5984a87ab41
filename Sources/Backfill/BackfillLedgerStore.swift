import RelayCore

/// Where the backfill keeps what it requested and its watermark: the data dir
/// (``BackfillLedger``) in local mode, PostgreSQL in cluster mode. Either way one run at a time
/// holds it, so `serve` on every instance and `moda-relay backfill` never ask for a delivery
/// twice.
package protocol BackfillLedgerStore: Sendable {
    /// Runs `body` as the only backfill run on this ledger, after any run in progress ends
    /// (`waiting` is called once if one is).
    func exclusively<T: Sendable>(
        nowMillis: Int64, waiting: @Sendable () -> Void, _ body: (any BackfillLedgerSession) async throws -> T
    ) async throws -> T

    /// The redeliveries asked for at or after `sinceMillis`, by any run.
    func requested(sinceMillis: Int64) async throws -> [RequestedRedelivery]

    /// A value that changes whenever a request is recorded (cheap to read): whether
    /// ``requested(sinceMillis:)`` is worth reading again.
    func version() async throws -> Int64

    /// Lets go of what the store keeps open between runs (at shutdown).
    func close() async
}

extension BackfillLedgerStore {
    package func close() async {}

    /// ``exclusively(nowMillis:waiting:_:)`` that waits without saying so.
    package func exclusively<T: Sendable>(
        nowMillis: Int64, _ body: (any BackfillLedgerSession) async throws -> T
    ) async throws -> T {
        try await exclusively(nowMillis: nowMillis, waiting: {}, body)
    }
}
