import Foundation
import Yams

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
