import RelayCore
import Synchronization

/// Calls Moda's API again after a throttled answer or no answer: after `Retry-After` when Moda
/// gives one (at most a minute), else 1, 2, 4, … 30 s; eight tries in all.
enum Retrying {
    static let tries = 8

    static func call<T: Sendable>(_ body: () async throws(ModaAPIClient.Failure) -> T) async throws(ModaAPIClient
        .Failure)
        -> T
    {
        var attempt = 0
        while true {
            do {
                return try await body()
            } catch {
                attempt += 1
                guard error.isTransient, attempt < tries, !Task.isCancelled else { throw error }
                var wait = min(30.0, Double(1 << min(attempt - 1, 5)))
                if case .throttled(_, let retryAfter?) = error { wait = min(60, retryAfter) }
                try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
            }
        }
    }
}
