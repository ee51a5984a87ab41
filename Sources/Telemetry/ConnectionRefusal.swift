/// Why the ingress refused a connection (the `reason` label of `connections_rejected_total`).
package enum ConnectionRefusal: String, Sendable {
    case total = "max_connections"
    case perPeer = "max_connections_per_peer"
}
