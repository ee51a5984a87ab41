import Foundation
import RelayConfig
import Spool

/// This instance's name in the shared store: `instance_id` if set, else the one kept in
/// `DATA_DIR/instance-id`, created (random, synced) on first start. Stable across restarts, so
/// recovery recognises this instance's own claims.
enum InstanceIdentity {
    static func resolve(configured: String?, dataDirectory: String) throws -> String {
        if let configured { return configured }
        let path = DataDirectory(dataDirectory).instanceID
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let name = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard RelaySettings.isValidInstanceID(name) else {
                throw InstanceIdentityError(
                    message: "\(path) does not hold a valid instance id (A-Z a-z 0-9 . _ -, 1 to 64)")
            }
            return name
        }
        var random = SystemRandomNumberGenerator()
        let suffix = (0..<6).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &random)) }.joined()
        let name = "relay-" + suffix
        try SpoolFiles.makeDirectory(dataDirectory)
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data((name + "\n").utf8)) else {
            throw InstanceIdentityError(message: "cannot write \(temporary)")
        }
        let descriptor = open(temporary, O_RDONLY)
        if descriptor >= 0 {
            _ = fsync(descriptor)
            close(descriptor)
        }
        guard rename(temporary, path) == 0 else { throw InstanceIdentityError(message: "cannot create \(path)") }
        return name
    }
}

struct InstanceIdentityError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
