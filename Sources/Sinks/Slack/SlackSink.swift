import RelayDispatch
import Spool

/// Delivers a `slack` route: one rendered message per record; a type without a template posts
/// nothing.
final class SlackSink: Sink {
    private let builder: SlackSinkRequestBuilder

    init(builder: SlackSinkRequestBuilder) { self.builder = builder }

    func attempt(_ records: [SpoolRecord], atMillis: Int64) -> [SinkAttempt] {
        records.map { record in
            switch builder.request(for: record) {
            case .request(let request): return .request(request)
            case .noTemplate(let type): return .skip(reason: "no template for \(type)")
            case .undecodable(let reason): return .deadLetter(reason: reason)
            }
        }
    }
}
