/// Header names every sink request carries, so a downstream can dedupe (delivery is
/// at-least-once).
package enum SinkHeaders {
    package static let eventID = "X-Moda-Event-Id"
    package static let eventType = "X-Moda-Event-Type"
}
