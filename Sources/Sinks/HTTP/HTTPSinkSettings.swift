import RelayCore

/// An `http` route: POST the original body to `url` with static `headers`, optionally re-signed
/// (Standard Webhooks) with `signSecret`.
package struct HTTPSinkSettings: SinkSettings, Equatable {
    package static let kind = "http"

    package var url: String
    package var headers: [(String, String)]
    package var signSecret: String?

    package init(url: String, headers: [(String, String)] = [], signSecret: String? = nil) {
        self.url = url
        self.headers = headers
        self.signSecret = signSecret
    }

    package var description: String { "http \(url)" }

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.url == rhs.url && lhs.signSecret == rhs.signSecret
            && lhs.headers.map { [$0.0, $0.1] } == rhs.headers.map { [$0.0, $0.1] }
    }
}
