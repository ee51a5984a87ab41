import Foundation
import Yams

/// The backfill's settings: where Moda's API is, with which key, which URLs are ours, and how
/// often and how far back the reconciler looks. Without a key, backfill is off.
package struct BackfillSettings: Sendable, Equatable {
    /// A file holding the Moda API key (`moda_api_key_file`); `MODA_API_KEY` also works.
    package var apiKeyFile: String?
    /// Moda's REST API base URL (`moda_api_url`).
    package var apiURL = "https://api.moda.app/v1"
    /// The public URLs Moda posts to (`callback_url`): only deliveries to one of them are touched.
    package var callbackURLs: [String] = []
    /// How often the reconciler runs (`backfill_interval`); zero: only `moda-relay backfill`.
    package var interval: Duration = .seconds(300)
    /// How far back the first run looks, and `--since`'s default (`backfill_lookback`).
    package var lookback: Duration = .seconds(86_400)

    package init() {}

    /// Reads one backfill key of relay.yaml; false when `key` is not one of them.
    static func apply(
        key: String, value: Node, reader: inout YAMLReader, to settings: inout BackfillSettings
    ) -> Bool {
        switch key {
        case "moda_api_key_file": settings.apiKeyFile = reader.string(value, key: key)
        case "moda_api_url":
            settings.apiURL = reader.setting(value, key: key, SettingValue.httpURL) ?? settings.apiURL
        case "callback_url":
            guard let urls = reader.stringList(value, key: key) else { return true }
            settings.callbackURLs = urls.compactMap { url, node in reader.setting(node, key: key, SettingValue.httpURL)
            }
        case "backfill_interval": settings.interval = reader.durationOrOff(value, key: key) ?? settings.interval
        case "backfill_lookback": settings.lookback = reader.duration(value, key: key) ?? settings.lookback
        default: return false
        }
        return true
    }
}
