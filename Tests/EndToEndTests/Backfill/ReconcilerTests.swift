import Backfill
import Foundation
import Ingress
import RelayApp
import RelayConfig
import RelayCore
import RelayTestSupport
import Testing

/// The reconciler in a real relay, against the Moda simulator.
@Suite struct ReconcilerTests {
    func relay(
        _ world: BackfillWorld, key: String? = nil, interval: Duration = .seconds(1), secretFile: String? = nil,
        secrets: [String] = [SignedEvent.secret]
    ) async throws -> TestRelay {
        world.port.release()
        return try await TestRelay(
            configure: { settings in
                settings.listen = HostPort(host: "127.0.0.1", port: world.port.port)
                settings.backfill.apiURL = world.moda.apiURL
                settings.backfill.callbackURLs = [world.callbackURL]
                settings.backfill.interval = interval
                settings.secretFile = secretFile
            },
            dataDirectory: world.dataDirectory, modaAPIKey: key ?? world.moda.apiKey, secrets: secrets)
    }

    func archived(_ relay: TestRelay) throws -> String {
        (try? String(contentsOfFile: relay.dataDirectory + "/files/archive.jsonl", encoding: .utf8)) ?? ""
    }

    /// Scenario 1: the relay is down while Moda gives up on 6 events; it comes back, and with
    /// nobody lifting a finger each is delivered exactly once. Later runs ask for nothing more.
    @Test func afterAnOutageEveryDroppedEventIsDeliveredOnceByItself() async throws {
        let world = try await BackfillWorld()
        let dropped = try await world.dropEvents(6, prefix: "outage")
        let relay = try await relay(world)
        #expect(try await relay.workerSettles("archive", delivered: 6, timeout: .seconds(90)))
        let text = try archived(relay)
        for id in dropped { #expect(text.components(separatedBy: "\"id\":\"\(id)\"").count == 2, "\(id) once") }
        #expect(try await eventually(.seconds(60)) { relay.relay.backfill?.status.lastOutcome == "ok" })
        let firstRun = try #require(relay.relay.backfill?.status.lastRunAtMillis)
        #expect(try await eventually(.seconds(60)) { (relay.relay.backfill?.status.lastRunAtMillis ?? 0) > firstRun })
        #expect(relay.relay.backfill?.status.requested == 0)
        #expect(world.moda.redeliveryRequests.count == 6)
        #expect(try relay.metric("moda_relay_backfill_redeliveries_requested_total") == 6)
        #expect(try relay.metric(#"moda_relay_backfill_runs_total{outcome="ok"}"#) ?? 0 >= 2)
        #expect(try relay.metric("moda_relay_backfill_last_success_timestamp_seconds") ?? 0 > 0)
        await relay.shutdown()
        await world.close()
    }

    /// Scenario 2: after a key rotation the relay has the wrong secret, and every event gets 401
    /// until the secret file is fixed and SIGHUP reloads it; then every event refused meanwhile
    /// is recovered, once, although the reconciler's own redeliveries were refused too meanwhile.
    @Test func eventsRefusedWithAWrongSecretAreRecoveredOnceItIsFixed() async throws {
        let world = try await BackfillWorld()
        let secretFile = world.directory + "/secrets"
        try "whsec_the_old_rotated_out_secret\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
        let relay = try await relay(world, secretFile: secretFile, secrets: ["whsec_the_old_rotated_out_secret"])
        for index in 0..<4 { world.moda.dispatch(eventID: "evt_rotated_\(index)", to: world.callbackURL) }
        _ = try await world.moda.settled()
        #expect(world.moda.deliveries.allSatisfy { $0.responseStatus == 401 })
        // Let the reconciler try (and fail) while the secret is still wrong.
        #expect(try await eventually(.seconds(60)) { world.moda.redeliveryRequests.count >= 4 })
        _ = try await world.moda.settled()
        try "\(SignedEvent.secret)\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
        #expect(relay.relay.reloadSecrets())
        #expect(try await relay.workerSettles("archive", delivered: 4, timeout: .seconds(90)))
        let text = try archived(relay)
        for index in 0..<4 {
            #expect(
                text.components(separatedBy: "\"id\":\"evt_rotated_\(index)\"").count == 2, "evt_rotated_\(index) once")
        }
        // Each failed delivery was asked for at most once.
        #expect(world.moda.redeliveryRequests.count == Set(world.moda.redeliveryRequests).count)
        #expect(relay.logs.all.contains { $0.message == "signing secrets reloaded" })
        // A bad file on a later reload changes nothing.
        try "short\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
        #expect(!relay.relay.reloadSecrets())
        #expect(try relay.post(SignedEvent.body(id: "evt_rotated_after")).status == 200)
        await relay.shutdown()
        await world.close()
    }

    /// Scenario 9: Moda redelivers with the original timestamp (an hour old): accepted, because
    /// the relay asked for that redelivery; the same kind of request it did not ask for gets 401.
    @Test func aRequestedRedeliveryMayKeepItsOriginalTimestampNothingElseStaleMay() async throws {
        let world = try await BackfillWorld(redeliveryTimestamp: .original)
        let hourAgo = Date().addingTimeInterval(-3600)
        for index in 0..<3 { world.moda.dispatch(eventID: "evt_stale_\(index)", to: world.callbackURL, at: hourAgo) }
        _ = try await world.moda.settled()
        let relay = try await relay(world)
        #expect(try await relay.workerSettles("archive", delivered: 3, timeout: .seconds(90)))
        #expect(try relay.metric("moda_relay_backfill_stale_redeliveries_accepted_total") == 3)
        #expect(relay.logs.all.filter { $0.message.contains("accepted a redelivery the relay requested") }.count == 3)
        // Signed correctly, an hour old, same type, but never requested: refused as stale.
        let body = SignedEvent.body(id: "evt_stale_forged")
        // Each requested delivery admits one event: a fourth one is refused as stale.
        let forged = try relay.post(
            body, headers: SignedEvent.headers(body: body, timestamp: Int(hourAgo.timeIntervalSince1970)))
        #expect(forged.status == 401)
        #expect(forged.body.contains("tolerance"))
        // A stale request with the type of none of the requests is refused at its head.
        let other = SignedEvent.body(id: "evt_stale_other", type: "export.failed")
        let refused = try relay.post(
            other, headers: SignedEvent.headers(body: other, timestamp: Int(hourAgo.timeIntervalSince1970)))
        #expect(refused.status == 401)
        #expect(!(try archived(relay)).contains("evt_stale_forged"))
        await relay.shutdown()
        await world.close()
    }

    /// Scenario 7, in serve: a wrong key fails each run (metric, status, log), and the relay
    /// keeps accepting and stays ready.
    @Test func aWrongKeyFailsTheRunsNotTheRelay() async throws {
        let world = try await BackfillWorld()
        let relay = try await relay(world, key: "moda_live_wrong")
        #expect(try await eventually(.seconds(60)) { relay.relay.backfill?.status.lastOutcome == "unauthorized" })
        #expect(relay.relay.backfill?.status.lastError?.contains("invalid_api_key") == true)
        #expect(try relay.metric(#"moda_relay_backfill_runs_total{outcome="unauthorized"}"#) ?? 0 >= 1)
        #expect(try relay.metric("moda_relay_backfill_last_success_timestamp_seconds") == 0)
        #expect(try relay.post(SignedEvent.body(id: "evt_still_up")).status == 200)
        #expect(try relay.admin("/readyz").status == 200)
        let report = try relay.admin("/admin/backfill")
        #expect(report.status == 200 && report.json["last_outcome"] as? String == "unauthorized")
        #expect(!report.body.contains("moda_live_wrong"))
        let (status, sinks, _) = try RelayProcess.run(["sinks", "--admin", "http://127.0.0.1:\(relay.adminPort)"])
        #expect(status == 0)
        #expect(
            sinks.contains("backfill: last run") && sinks.contains("unauthorized") && sinks.contains("invalid_api_key"),
            "\(sinks)")
        #expect(!relay.logs.all.contains { "\($0.message) \($0.metadata)".contains("moda_live_wrong") })
        await relay.shutdown()
        await world.close()
    }
}
