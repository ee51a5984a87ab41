import RelayCore
import RelayDispatch
import Spool

/// A sink that posts one templated message per record; `interpret` reads the service's own
/// answers (Discord's rate-limit hints).
final class TemplatedMessageSink: Sink {
    private let message: (SpoolRecord) -> TemplatedMessage
    private let interpretation: (DeliveryResult) -> DeliveryResult

    init(
        message: @escaping (SpoolRecord) -> TemplatedMessage,
        interpret: @escaping (DeliveryResult) -> DeliveryResult = { $0 }
    ) {
        self.message = message
        self.interpretation = interpret
    }

    func attempt(_ records: [SpoolRecord], atMillis: Int64) -> [SinkAttempt] {
        records.map { message($0).attempt }
    }

    func interpret(_ result: DeliveryResult) -> DeliveryResult { interpretation(result) }
}
