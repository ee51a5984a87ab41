import RelayCore
import Synchronization

/// Lists every row of Moda's delivery log with one status in a range, following `next_cursor`.
/// A throttled call waits and is made again; a cursor that Moda refuses (expired) starts the
/// listing again from its first page, keeping what it has (rows are told apart by id).
final class DeliveryLister: Sendable {
    private let client: ModaAPIClient
    private let pagePause: Duration
    private let calls = Atomic<Int>(0)
    /// How many times a listing may start again after a refused cursor.
    static let restarts = 5

    init(client: ModaAPIClient, pagePause: Duration) {
        self.client = client
        self.pagePause = pagePause
    }

    /// Listing calls made so far.
    var pages: Int { calls.load(ordering: .relaxed) }

    func all(status: String, from: Int64?, to: Int64?) async throws(ModaAPIClient.Failure) -> [DeliveryRow] {
        var rows: [DeliveryRow] = []
        var seen: Set<String> = []
        var restarts = 0
        var cursor: String?
        while true {
            let query = ModaAPIClient.Query(status: status, fromMillis: from, toMillis: to, cursor: cursor)
            let page: DeliveryPage
            do {
                page = try await Retrying.call { () async throws(ModaAPIClient.Failure) in
                    self.calls.add(1, ordering: .relaxed)
                    return try await self.client.list(query)
                }
            } catch .api(let error) where cursor != nil && !error.isAuthentication && error.status < 500 {
                // The cursor expired (or was refused): start again from the first page.
                guard restarts < Self.restarts else { throw .api(error) }
                restarts += 1
                cursor = nil
                continue
            }
            for row in page.rows where seen.insert(row.id).inserted { rows.append(row) }
            guard let next = page.nextCursor else { break }
            cursor = next
            try? await Task.sleep(for: pagePause)
            if Task.isCancelled { throw .transport("the run was stopped (shutdown)") }
        }
        return rows.sorted { ($0.createdAtMillis, $0.id) > ($1.createdAtMillis, $1.id) }
    }
}
