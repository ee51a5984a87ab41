import CoreMetrics
import Logging
import NIOCore
import NIOHTTP1
import Telemetry

extension WebhookHandler {
    /// The handler's limits: the webhook path, the body cap and its deadlines.
    package struct Configuration: Sendable {
        package var path: String
        package var maxBodyBytes: Int
        package var requestTimeout: TimeAmount
        package var headerTimeout: TimeAmount
        package var commitTimeout: TimeAmount
        package var idleTimeout: TimeAmount

        package init(
            path: String, maxBodyBytes: Int, requestTimeout: TimeAmount, headerTimeout: TimeAmount,
            commitTimeout: TimeAmount, idleTimeout: TimeAmount
        ) {
            self.path = path
            self.maxBodyBytes = maxBodyBytes
            self.requestTimeout = requestTimeout
            self.headerTimeout = headerTimeout
            self.commitTimeout = commitTimeout
            self.idleTimeout = idleTimeout
        }
    }
}
