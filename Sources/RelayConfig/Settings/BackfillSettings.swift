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

/// The Moda API key: from `moda_api_key_file` (its first non-empty line), else `MODA_API_KEY`.
/// It is a secret: errors name the file, never the key.
package struct ModaAPIKey: Sendable {
    package var key: String
    /// A warning to log at start: the key file can be read by group or others.
    package var warning: String?

    /// The key, or nil when none is configured (backfill off).
    package static func load(settings: BackfillSettings, environment: [String: String]) throws(SigningSecrets.Problem)
        -> ModaAPIKey?
    {
        if let path = settings.apiKeyFile {
            guard let key = AdminToken.read(path) else {
                throw SigningSecrets.Problem(
                    message: "cannot read a Moda API key from \(path) (it must hold one non-empty line)")
            }
            var warning: String?
            if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0
            {
                warning =
                    "the Moda API key file \(path) can be read by group or others (mode \(String(mode, radix: 8))): chmod 600 it"
            }
            return ModaAPIKey(key: key, warning: warning)
        }
        if let key = environment["MODA_API_KEY"]?.trimmingCharacters(in: .whitespaces), !key.isEmpty {
            return ModaAPIKey(key: key, warning: nil)
        }
        return nil
    }
}
