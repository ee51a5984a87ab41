import Foundation
import RelayTestSupport
import Testing

/// The backfill's settings as `check`, `serve` and `backfill` read them.
@Suite struct BackfillSettingsTests {
    func workspace(_ config: String) throws -> Workspace {
        let ws = try Workspace(routes: [:])
        try "moda_live_secret_key_value\n".write(toFile: ws.root + "/key", atomically: true, encoding: .utf8)
        try config.replacingOccurrences(of: "$ROOT", with: ws.root)
            .write(toFile: ws.root + "/relay.yaml", atomically: true, encoding: .utf8)
        return ws
    }

    @Test func aKeyWithoutACallbackURLIsRefusedWithItsPosition() throws {
        let ws = try workspace("data_dir: $ROOT/data\nmoda_api_key_file: $ROOT/key\n")
        defer { ws.cleanup() }
        let (status, out, _) = try RelayProcess.run([
            "check", "--config", ws.root + "/relay.yaml", "--routes", ws.routes,
        ])
        #expect(status == 1)
        #expect(out.contains("relay.yaml:2:1: 'moda_api_key_file' needs 'callback_url'"), "\(out)")
        let (serve, _, serveErr) = try RelayProcess.run(
            ["serve", "--config", ws.root + "/relay.yaml", "--routes", ws.routes],
            environment: ["MODA_WEBHOOK_SECRET": SignedEvent.secret])
        #expect(serve == 1 && serveErr.contains("needs 'callback_url'"), "\(serveErr)")
        // From the environment: refused by serve, which names the variable.
        let (fromEnv, _, envErr) = try RelayProcess.run(
            ["serve", "--routes", ws.routes, "--data-dir", ws.data],
            environment: ["MODA_WEBHOOK_SECRET": SignedEvent.secret, "MODA_API_KEY": "moda_live_from_env"])
        #expect(fromEnv == 1 && envErr.contains("MODA_API_KEY") && envErr.contains("callback_url"), "\(envErr)")
        #expect(!envErr.contains("moda_live_from_env"))
    }

    @Test func badURLsAreRefusedAndTheKeyIsNeverShown() throws {
        let ws = try workspace(
            "data_dir: $ROOT/data\nmoda_api_key_file: $ROOT/key\nmoda_api_url: ftp://moda\ncallback_url:\n  - https://relay.example/webhooks/moda\n  - not a url\n"
        )
        defer { ws.cleanup() }
        let (status, out, err) = try RelayProcess.run([
            "check", "--config", ws.root + "/relay.yaml", "--routes", ws.routes,
        ])
        #expect(status == 1)
        #expect(out.contains("relay.yaml:3:15: 'moda_api_url' must be an http:// or https:// URL"), "\(out)")
        #expect(out.contains("relay.yaml:6:5: 'callback_url' must be an http:// or https:// URL"), "\(out)")
        #expect(!(out + err).contains("moda_live_secret_key_value"))
    }

    @Test func aKeyFileOthersCanReadIsWarnedAbout() async throws {
        let moda = try await ModaSimulator()  // refuses this key at once: the run ends with exit 2
        let ws = try workspace(
            "data_dir: $ROOT/data\nmoda_api_key_file: $ROOT/key\ncallback_url: https://relay.example/hook\n"
                + "moda_api_url: \(moda.apiURL)\n")
        defer { ws.cleanup() }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: ws.root + "/key")
        let (_, _, err) = try RelayProcess.run(["backfill", "--config", ws.root + "/relay.yaml", "--dry-run"])
        #expect(err.contains("can be read by group or others (mode 644)"), "\(err)")
        #expect(!err.contains("moda_live_secret_key_value"))
        await moda.shutdown()
    }
}
