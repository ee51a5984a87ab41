import Foundation
import RelayTestSupport
import Testing

/// The backfill under `kill -9`: a real relay process killed in the middle of a run (some
/// redeliveries requested and recorded, some requested and not yet recorded, some not requested,
/// and the redeliveries Moda sends meanwhile refused by a dead process), then started again.
@Suite(.serialized) struct BackfillCrashTests {
    @Test func killDashNineInTheMiddleOfARunLosesNothingAndAsksForNoDeliveryTwice() async throws {
        let world = try await BackfillWorld()
        let dropped = try await world.dropEvents(40, prefix: "crash")
        let ws = try Workspace(routes: ["archive.yaml": "sink: file\npath: $ROOT/out/archive.jsonl\n"])
        defer { ws.cleanup() }
        let arguments = [
            "serve", "--config", world.configFile, "--listen", "127.0.0.1:\(world.port.port)", "--admin-listen",
            "127.0.0.1:0", "--routes", ws.routes, "--backfill-interval", "1s",
        ]
        let environment = ["MODA_WEBHOOK_SECRET": SignedEvent.secret]
        // Answers after the fifth request wait: the run is killed in its middle however loaded the
        // machine (the fifth answered and recorded or not, the sixth made and never answered).
        world.moda.delayRedeliveryAnswers(by: .milliseconds(20))
        world.moda.holdRedeliveryAnswers(after: 5)
        world.port.release()
        let first = try RelayProcess(arguments: arguments, environment: environment)
        try await first.waitUntilListening()
        #expect(try await eventually(.seconds(60)) { world.moda.redeliveryRequests.count >= 6 })
        first.kill9()
        world.moda.releaseRedeliveryAnswers()
        let beforeCrash = world.moda.redeliveryRequests.count
        #expect(beforeCrash < 40, "the run was not cut short")
        _ = try await world.moda.settled()
        world.moda.delayRedeliveryAnswers(by: .zero)

        let second = try RelayProcess(arguments: arguments, environment: environment)
        try await second.waitUntilListening()
        let archive = ws.root + "/out/archive.jsonl"
        func archived() -> String { (try? String(contentsOfFile: archive, encoding: .utf8)) ?? "" }
        #expect(
            try await eventually(.seconds(90)) {
                let text = archived()
                return dropped.allSatisfy { text.contains("\"id\":\"\($0)\"") }
            }, "every dropped event reaches the sink")
        // No delivery was asked for twice: the ones cut short were found replayed (or in the
        // ledger), and the redeliveries refused by the dead process were asked for in their turn.
        let requests = world.moda.redeliveryRequests
        #expect(requests.count == Set(requests).count, "\(requests.count) requests, \(Set(requests).count) distinct")
        second.signal(SIGTERM)
        _ = try await second.waitForExit()
        await world.close()
    }
}
