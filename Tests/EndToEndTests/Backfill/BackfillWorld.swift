import Foundation
import RelayTestSupport

/// A Moda simulator, a relay URL that refuses connections until the relay starts on it, and a
/// relay.yaml for `moda-relay backfill` pointing at both: the world of the backfill tests.
final class BackfillWorld {
    let moda: ModaSimulator
    let port: LowPort
    let directory: String
    var callbackURL: String { "http://127.0.0.1:\(port.port)/webhooks/moda" }
    var dataDirectory: String { directory + "/data" }
    var configFile: String { directory + "/relay.yaml" }

    init(
        redeliveryTimestamp: ModaSimulator.RedeliveryTimestamp = .fresh, apiKeyInConfig: String? = nil,
        extraConfig: String = "", pageSize: Int = 200
    ) async throws {
        moda = try await ModaSimulator(redeliveryTimestamp: redeliveryTimestamp, pageSize: pageSize)
        port = try LowPort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("backfill-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        try (apiKeyInConfig ?? moda.apiKey).write(toFile: directory + "/moda-key", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: directory + "/moda-key")
        let config = """
            data_dir: \(dataDirectory)
            moda_api_key_file: \(directory)/moda-key
            moda_api_url: \(moda.apiURL)
            callback_url: \(callbackURL)
            \(extraConfig)
            """
        try config.write(toFile: configFile, atomically: true, encoding: .utf8)
    }

    /// Moda gives up on `count` events while nothing listens on the relay's URL.
    func dropEvents(_ count: Int, prefix: String, to url: String? = nil) async throws -> [String] {
        let ids = (0..<count).map { "evt_\(prefix)_\($0)" }
        for id in ids { moda.dispatch(eventID: id, to: url ?? callbackURL) }
        _ = try await moda.settled()
        return ids
    }

    /// `moda-relay backfill` with this world's config.
    func backfill(_ arguments: [String] = []) throws -> (status: Int32, out: String, err: String) {
        try Self.backfill(config: configFile, arguments)
    }

    /// `moda-relay backfill --config CONFIG`, from any task.
    static func backfill(config: String, _ arguments: [String] = []) throws -> (status: Int32, out: String, err: String)
    {
        let (status, out, err) = try RelayProcess.run(["backfill", "--config", config] + arguments)
        return (status, out, err)
    }

    func close() async {
        await moda.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
