import Foundation
import RelayConfig
import RelayCore
import RelayTestSupport
import Testing

/// `moda-relay backfill` against the Moda simulator and a real relay.
@Suite struct BackfillCommandTests {
    /// Scenario 1, by hand: the relay is down while Moda gives up on 5 events; once it is back,
    /// backfill gets each delivered exactly once. Scenario 3: failed deliveries to another URL are
    /// never requested. Scenario 5: two runs at once, and a third after them, request each once.
    @Test func whatModaDroppedWhileTheRelayWasDownIsDeliveredOnce() async throws {
        let world = try await BackfillWorld()
        let dropped = try await world.dropEvents(5, prefix: "down")
        _ = try await world.dropEvents(2, prefix: "other", to: "http://127.0.0.1:9/elsewhere")
        #expect(world.moda.deliveries.filter { $0.status == "failed" }.count == 7)
        world.port.release()
        let relay = try await TestRelay(
            configure: { $0.listen = HostPort(host: "127.0.0.1", port: world.port.port) },
            dataDirectory: world.dataDirectory)
        let config = world.configFile
        async let one = Task.detached { try BackfillWorld.backfill(config: config) }.value
        async let two = Task.detached { try BackfillWorld.backfill(config: config) }.value
        let (first, second) = try await (one, two)
        #expect(first.status == 0 && second.status == 0, "\(first.err) \(second.err)")
        let outputs = [first.out, second.out]
        let requested =
            "7 failed deliveries: 5 requested, 0 already recovered, 0 superseded, 2 skipped (other URL), 0 failed"
        let recovered =
            "7 failed deliveries: 0 requested, 5 already recovered, 0 superseded, 2 skipped (other URL), 0 failed"
        #expect(outputs.filter { $0.contains(requested) }.count == 1, "\(outputs)")
        #expect(outputs.filter { $0.contains(recovered) }.count == 1, "\(outputs)")
        #expect(first.out.contains("skipped: other URL"))
        #expect(try await relay.workerSettles("archive", delivered: 5, timeout: .seconds(90)))
        let archived = try String(contentsOfFile: world.dataDirectory + "/files/archive.jsonl", encoding: .utf8)
        for id in dropped { #expect(archived.components(separatedBy: "\"id\":\"\(id)\"").count == 2, "\(id) once") }
        #expect(Set(world.moda.redeliveryRequests).count == 5 && world.moda.redeliveryRequests.count == 5)
        let third = try world.backfill(["--json"])
        #expect(third.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(third.out.utf8)) as? [String: Any])
        let totals = try #require(json["totals"] as? [String: Any])
        #expect(totals["requested"] as? Int == 0 && totals["already_recovered"] as? Int == 5)
        #expect(world.moda.redeliveryRequests.count == 5)
        await relay.shutdown()
        await world.close()
    }

    /// Scenario 4: a delivery someone already replayed (pending or succeeded) is not requested.
    /// Scenario 8: a cursor that expires mid-scan, and 429s, still list everything once.
    @Test func aReplayedDeliveryIsNotRequestedAndCursorsAnd429sAreSurvived() async throws {
        let world = try await BackfillWorld(pageSize: 2)
        _ = try await world.dropEvents(7, prefix: "replayed")
        world.port.release()
        let relay = try await TestRelay(
            configure: { $0.listen = HostPort(host: "127.0.0.1", port: world.port.port) },
            dataDirectory: world.dataDirectory)
        // Someone replayed the oldest one by hand, in Moda's dashboard.
        let oldest = world.moda.deliveries[0].id
        let manual = try RawConnection(port: Int(URL(string: world.moda.apiURL)!.port!))
        try manual.request(
            path: "/v1/webhook_deliveries/\(oldest)/redeliver",
            headers: [("Authorization", "Bearer \(world.moda.apiKey)"), ("Moda-Version", "2026-05-01")])
        #expect(try manual.readResponse().status == 202)
        _ = try await world.moda.settled()
        // Four pages of failed deliveries: two 429s first, and the cursors expire after the second.
        world.moda.throttle(next: 2)
        world.moda.expireCursors(afterPages: 2)
        let run = try world.backfill(["--dry-run"])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("7 failed deliveries: 6 to request, 1 already recovered"), "\(run.out)")
        #expect(run.out.contains("would request"))
        #expect(world.moda.redeliveryRequests == [oldest])
        let real = try world.backfill()
        #expect(real.status == 0, "\(real.err)")
        #expect(world.moda.redeliveryRequests.count == 7 && Set(world.moda.redeliveryRequests).count == 7)
        #expect(try await relay.workerSettles("archive", delivered: 7, timeout: .seconds(90)))
        await relay.shutdown()
        await world.close()
    }

    /// Scenario 7: a wrong key exits 2 and names Moda's error; nothing is requested.
    @Test func aWrongKeyExitsTwoWithModasError() async throws {
        let world = try await BackfillWorld(apiKeyInConfig: "moda_live_wrong")
        _ = try await world.dropEvents(1, prefix: "wrongkey")
        let run = try world.backfill()
        #expect(run.status == 2)
        #expect(run.err.contains("invalid_api_key") && run.err.contains("Invalid API key provided."), "\(run.err)")
        #expect(!run.err.contains("moda_live_wrong") && !run.out.contains("moda_live_wrong"))
        #expect(world.moda.redeliveryRequests.isEmpty)
        await world.close()
    }
}
