import Backfill
import Foundation
import Ingress
import RelayApp
import RelayConfig
import RelayCore
import RelayTestSupport
import Testing

/// Scenario 6: cluster mode, two instances behind one callback URL. Their reconcilers share the
/// ledger in PostgreSQL and take turns, so each failed delivery is requested once, and the
/// command run meanwhile requests nothing more.
@Suite struct ClusterBackfillTests {
    @Test func twoInstancesRequestEachDeliveryOnce() async throws {
        let world = try await BackfillWorld()
        let database = try PostgresServer.shared.createDatabase()
        let url = PostgresServer.shared.url(database: database)
        let dropped = try await world.dropEvents(8, prefix: "cluster")
        world.port.release()
        func instance(_ name: String, port: Int, data: String) async throws -> TestRelay {
            try await TestRelay(
                configure: { settings in
                    settings.listen = HostPort(host: "127.0.0.1", port: port)
                    settings.postgresURL = try! PostgresURL(parsing: url)
                    settings.instanceID = name
                    settings.backfill.apiURL = world.moda.apiURL
                    settings.backfill.callbackURLs = [world.callbackURL]
                    settings.backfill.interval = .milliseconds(300)
                }, dataDirectory: data, modaAPIKey: world.moda.apiKey)
        }
        // The callback URL is instance a's; b runs on a port of its own with its own data dir.
        let a = try await instance("a", port: world.port.port, data: world.dataDirectory)
        let b = try await instance("b", port: 0, data: world.directory + "/data-b")
        #expect(try await a.workerSettles("archive", delivered: 8, timeout: .seconds(90)))
        let text = (try? String(contentsOfFile: a.dataDirectory + "/files/archive.jsonl", encoding: .utf8)) ?? ""
        for id in dropped { #expect(text.components(separatedBy: "\"id\":\"\(id)\"").count == 2, "\(id) once") }
        // Both have run, several times each, and the command too: still one request per delivery.
        #expect(
            try await eventually(.seconds(60)) {
                (a.relay.backfill?.status.lastOutcome == "ok") && (b.relay.backfill?.status.lastOutcome == "ok")
            })
        let config = world.directory + "/cluster.yaml"
        try (String(contentsOfFile: world.configFile, encoding: .utf8) + "\npostgres_url: \(url)\n")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let run = try BackfillWorld.backfill(config: config)
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("0 requested, 8 already recovered"), "\(run.out)")
        #expect(world.moda.redeliveryRequests.count == 8 && Set(world.moda.redeliveryRequests).count == 8)
        let rows = try PostgresServer.shared.psql(
            "SELECT count(*) FROM moda_relay_backfill_requests", database: database)
        #expect(rows.trimmingCharacters(in: .whitespacesAndNewlines) == "8")
        await b.shutdown()
        await a.shutdown()
        await world.close()
    }
}
