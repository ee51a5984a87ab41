/// Signs outbound deliveries with the Standard Webhooks scheme: headers `webhook-id`,
/// `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256>`, the MAC taken over
/// `"{id}.{timestamp}.{body}"` with the base64-decoded part of a `whsec_…` secret.
package struct StandardWebhooksSigner: Sendable {
    /// A secret that is not `whsec_` + base64.
    package struct InvalidSecret: Error, Equatable {}

    private let key: HMACKey

    package init(secret: String) throws(InvalidSecret) {
        let encoded = secret.hasPrefix("whsec_") ? secret.dropFirst(6) : Substring(secret)
        guard let bytes = Base64.decode(encoded), !bytes.isEmpty else { throw InvalidSecret() }
        self.key = HMACKey(secret: bytes)
    }

    /// `v1,<base64>` for one delivery.
    package func signature(id: String, timestamp: Int64, body: [UInt8]) -> String {
        let prefix = Array("\(id).\(timestamp).".utf8)
        let digest = body.withUnsafeBytes { key.mac(prefix: prefix, body: $0) }
        return "v1," + Base64.encode(digest)
    }

    /// The three Standard Webhooks headers for one delivery.
    package func headers(id: String, timestamp: Int64, body: [UInt8]) -> [(String, String)] {
        [
            ("webhook-id", id), ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", signature(id: id, timestamp: timestamp, body: body)),
        ]
    }
}
