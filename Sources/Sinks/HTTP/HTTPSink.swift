import RelayDispatch
import Spool

/// Delivers an `http` route: one request per record through the shared dispatcher.
final class HTTPSink: Sink {
    private let builder: HTTPSinkRequestBuilder

    init(builder: HTTPSinkRequestBuilder) { self.builder = builder }

    func attempt(_ records: [SpoolRecord], atMillis: Int64) -> [SinkAttempt] {
        records.map { .request(builder.request(for: $0, nowSeconds: atMillis / 1000)) }
    }
}
