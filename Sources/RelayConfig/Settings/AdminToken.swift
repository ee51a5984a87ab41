import Foundation

/// The admin API's bearer token, from `admin_token_file`: the file's first non-empty line,
/// trimmed. Errors name the file, never the token.
package enum AdminToken {
    /// The token, or nil when no file is configured.
    package static func load(settings: RelaySettings) throws(SigningSecrets.Problem) -> String? {
        guard let path = settings.adminTokenFile else { return nil }
        guard let token = read(path) else {
            throw SigningSecrets.Problem(
                message: "cannot read an admin token from \(path) (it must hold one non-empty line)")
        }
        return token
    }

    /// The first non-empty line of the file at `path`, trimmed.
    package static func read(_ path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty }
    }
}
