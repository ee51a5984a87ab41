import RelayCore
import RelayDispatch
import Spool

/// Delivers a `file` route: every due record in one durable append (one `write` and one
/// `fdatasync`), so a batch is delivered or retried whole.
final class FileSink: Sink {
    /// Records written per durable batch at most (the route's `concurrency` if larger).
    static let batchLimit = 256

    private let writer: FileSinkWriter

    init(writer: FileSinkWriter) { self.writer = writer }

    func window(concurrency: Int) -> Int { max(concurrency, Self.batchLimit) }

    func attempt(_ records: [SpoolRecord], atMillis: Int64) -> [SinkAttempt] {
        let result: DeliveryResult
        do {
            try writer.append(records.map(\.body))
            result = .response(status: 200, retryAfter: nil, bodyExcerpt: "")
        } catch {
            result = .transportFailure(.other, message: "\(error)")
        }
        return Array(repeating: .finished(result), count: records.count)
    }
}
