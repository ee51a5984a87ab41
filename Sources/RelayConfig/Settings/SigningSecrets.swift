import Foundation

/// Moda's webhook signing secrets, from `MODA_WEBHOOK_SECRET` (comma-separated) and a secret
/// file (one per line, `#` comments), checked before the relay starts.
///
/// A secret shorter than ``minimumBytes`` is refused: a comma typo such as
/// `MODA_WEBHOOK_SECRET=whsec_a…,x` would otherwise add a 1-byte key that can be brute-forced.
/// Errors name where the secret came from (entry or line), never the secret.
package enum SigningSecrets {
    /// Shortest secret accepted, in bytes.
    package static let minimumBytes = 16

    /// Why the secrets cannot be used.
    package struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        package var message: String
        package var description: String { message }
    }

    /// The secrets of `MODA_WEBHOOK_SECRET` in `environment` and of `settings.secretFile`.
    package static func load(settings: RelaySettings, environment: [String: String]) throws(Problem) -> [String] {
        var file: (path: String, text: String)?
        if let path = settings.secretFile {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw Problem(message: "cannot read secret file \(path)")
            }
            file = (path, text)
        }
        return try load(environment: environment["MODA_WEBHOOK_SECRET"], file: file)
    }

    /// The secrets, in order: the environment's entries, then the file's lines.
    package static func load(environment value: String?, file: (path: String, text: String)?) throws(Problem)
        -> [String]
    {
        var secrets: [String] = []
        let entries = (value ?? "").split(separator: ",", omittingEmptySubsequences: false)
        for (index, entry) in entries.enumerated() {
            let secret = trimmed(entry)
            if secret.isEmpty { continue }
            try check(secret, at: "MODA_WEBHOOK_SECRET entry \(index + 1) of \(entries.count)")
            secrets.append(secret)
        }
        if let file {
            // Split on the scalar, not the Character: "\r\n" is one Character that is not "\n".
            let lines = file.text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
            for (index, line) in lines.enumerated() {
                let secret = trimmed(Substring(line))
                if secret.isEmpty || secret.hasPrefix("#") { continue }
                try check(secret, at: "\(file.path):\(index + 1)")
                secrets.append(secret)
            }
        }
        guard !secrets.isEmpty else {
            throw Problem(
                message:
                    "no webhook secret: set MODA_WEBHOOK_SECRET (comma-separated for several) or pass --secret-file")
        }
        return secrets
    }

    private static func check(_ secret: String, at place: String) throws(Problem) {
        guard secret.utf8.count >= minimumBytes else {
            throw Problem(
                message:
                    "the signing secret at \(place) is \(secret.utf8.count) byte(s); secrets must be at least "
                    + "\(minimumBytes) bytes (a stray comma or line?)")
        }
    }

    private static func trimmed(_ text: Substring) -> String {
        var slice = text.unicodeScalars[...]
        while let first = slice.first, first == " " || first == "\t" || first == "\r" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\r" { slice = slice.dropLast() }
        return String(String.UnicodeScalarView(slice))
    }
}
