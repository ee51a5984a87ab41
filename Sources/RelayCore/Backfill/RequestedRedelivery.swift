/// A redelivery the relay asked Moda for, as its ledger keeps it. It is also what may let a
/// correctly signed request with a stale timestamp in (``StaleRedeliveryRule``).
package struct RequestedRedelivery: Sendable, Equatable {
    /// The `whd_…` delivery that was asked for again.
    package var deliveryID: String
    package var eventType: String
    /// The delivery's `created_at`, in milliseconds since the epoch.
    package var createdAtMillis: Int64
    /// When the relay asked, in milliseconds since the epoch.
    package var requestedAtMillis: Int64

    package init(deliveryID: String, eventType: String, createdAtMillis: Int64, requestedAtMillis: Int64) {
        self.deliveryID = deliveryID
        self.eventType = eventType
        self.createdAtMillis = createdAtMillis
        self.requestedAtMillis = requestedAtMillis
    }
}
