import Foundation

/// How `moda-relay explain` keeps secrets off the terminal.
package enum ExplainRedaction {
    /// Parts of a header name that mark a credential.
    package static let credentialWords = ["auth", "token", "key", "secret", "signature", "cookie"]

    /// Credentials in headers are not printed: any header whose name contains one of
    /// ``credentialWords`` (`Authorization`, `X-Api-Token`, `webhook-signature`, `Set-Cookie`, …).
    package static func header(_ name: String, _ value: String) -> String {
        let lower = name.lowercased()
        return credentialWords.contains { lower.contains($0) } ? "<redacted>" : value
    }

    /// A webhook URL whose path is its secret (Slack's `/services/…`, Discord's
    /// `/api/webhooks/…`): the host and the path's start only.
    package static func webhookURL(_ url: String) -> String {
        for marker in ["/services/", "/api/webhooks/"] {
            if let range = url.range(of: marker) { return String(url[..<range.upperBound]) + "…" }
        }
        return url
    }
}
