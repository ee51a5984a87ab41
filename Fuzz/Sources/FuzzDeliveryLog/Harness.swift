import RelayCore

/// Moda's delivery-log pages and error answers, as the backfill reads them from the network:
/// reading must never crash, a page it accepts has rows with every required field, and an error
/// answer always has a message.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDeliveryLog(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let page = try? DeliveryPage.decode(bytes) {
        for row in page.rows where row.id.isEmpty || row.eventType.isEmpty || row.targetURL.isEmpty {
            fatalError("a row without a required field was accepted")
        }
        var replays = ReplayIndex()
        replays.addFailed(page.rows)
        replays.addLive(page.rows)
        let planner = BackfillPlanner(callbackURLs: page.rows.prefix(1).map(\.targetURL))
        for row in page.rows { _ = planner.action(for: row, requested: { _ in false }, replays: replays) }
    }
    if ModaAPIError.decode(status: 400, body: bytes).message.isEmpty { fatalError("an error without a message") }
    return 0
}
