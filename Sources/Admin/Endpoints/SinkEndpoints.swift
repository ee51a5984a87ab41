import RelayCore

/// `GET /admin/sinks` (every sink's state, spool and dead letters, the store and the backfill) and
/// `GET /admin/backfill`.
enum SinkEndpoints {
    static func routes(_ backend: any AdminBackend) -> [AdminRoute] {
        [
            AdminRoute(
                path: "/admin/sinks", methods: ["GET"], endpoint: "sinks",
                work: .blocking { _ in
                    var document: [String: JSONValue] = ["sinks": .array(backend.sinkReports().map(\.json))]
                    if let store = backend.storeReport { document["store"] = store }
                    document["backfill"] = backend.backfillReport
                    return .json(200, .object(document))
                }),
            AdminRoute(
                path: "/admin/backfill", methods: ["GET"], endpoint: "backfill",
                work: .inline { _ in
                    .json(200, backend.backfillReport)
                }),
        ]
    }
}
