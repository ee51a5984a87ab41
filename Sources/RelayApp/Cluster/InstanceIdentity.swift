import Foundation
import RelayConfig
import Spool

/// This instance's name in the shared store: `instance_id` if set, else the one kept in
/// `DATA_DIR/instance-id`, created (random, durable: file and name synced) on first start.
/// Stable across restarts and power cuts, so recovery recognises this instance's own claims.
enum InstanceIdentity {
    static func resolve(
        configured: String?, dataDirectory: String, fileSystem: any FileSystem = PosixFileSystem.shared
    ) throws -> String {
        if let configured { return configured }
        let path = DataDirectory(dataDirectory).instanceID
        if fileSystem.size(atPath: path) != nil, let bytes = try? fileSystem.readAll(path) {
            let name = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard RelaySettings.isValidInstanceID(name) else {
                throw InstanceIdentityError(
                    message: "\(path) does not hold a valid instance id (A-Z a-z 0-9 . _ -, 1 to 64)")
            }
            return name
        }
        var random = SystemRandomNumberGenerator()
        let suffix = (0..<6).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &random)) }.joined()
        let name = "relay-" + suffix
        let temporary = path + ".tmp"
        do throws(SpoolError) {
            try fileSystem.makeDirectories(dataDirectory)
            try fileSystem.remove(temporary)
            let file = try AppendFile(path: temporary, length: 0, fileSystem: fileSystem)
            try file.append(Array((name + "\n").utf8))
            try file.sync()
            try fileSystem.rename(temporary, to: path)
            // The name is the point: without this, a power cut can take the file, and the next
            // start picks another name and no longer recognises its own claims.
            try fileSystem.syncDirectory(dataDirectory)
        } catch {
            throw InstanceIdentityError(message: "cannot create \(path): \(error)")
        }
        return name
    }
}
