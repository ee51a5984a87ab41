import RelayCore
import Testing

@Suite struct BackfillPlannerTests {
    let planner = BackfillPlanner(callbackURLs: ["https://Relay.Example/webhooks/moda/"])

    func row(_ id: String, url: String = "https://relay.example/webhooks/moda", from: String? = nil) -> DeliveryRow {
        DeliveryRow(id: id, eventType: "task.succeeded", targetURL: url, createdAtMillis: 0, replayedFromID: from)
    }

    @Test func onlyOurURLIsTouchedComparedWithoutCaseOrTrailingSlash() {
        let replays = ReplayIndex()
        #expect(planner.action(for: row("whd_1"), requested: { _ in false }, replays: replays) == .request)
        #expect(
            planner.action(
                for: row("whd_2", url: "https://relay.example/webhooks/other"), requested: { _ in false },
                replays: replays)
                == .skippedOtherURL)
        #expect(
            planner.action(
                for: row("whd_3", url: "https://RELAY.example/webhooks/moda"), requested: { _ in false },
                replays: replays)
                == .request)
        // The path keeps its case.
        #expect(
            planner.action(
                for: row("whd_4", url: "https://relay.example/Webhooks/moda"), requested: { _ in false },
                replays: replays)
                == .skippedOtherURL)
    }

    @Test func whatWasRequestedIsNotRequestedAgain() {
        #expect(
            planner.action(for: row("whd_1"), requested: { $0 == "whd_1" }, replays: ReplayIndex())
                == .alreadyRecovered("requested by this relay"))
    }

    @Test func aLiveReplayRecoversItEvenThroughAFailedOne() {
        var replays = ReplayIndex()
        replays.addFailed([row("whd_2", from: "whd_1")])
        #expect(
            planner.action(for: row("whd_1"), requested: { _ in false }, replays: replays) == .superseded(by: "whd_2"))
        #expect(
            planner.action(for: row("whd_2", from: "whd_1"), requested: { _ in false }, replays: replays) == .request)
        replays.addLive([row("whd_3", from: "whd_2")])
        #expect(
            planner.action(for: row("whd_1"), requested: { _ in false }, replays: replays)
                == .alreadyRecovered("replayed by whd_3"))
        #expect(
            planner.action(for: row("whd_2", from: "whd_1"), requested: { _ in false }, replays: replays)
                == .alreadyRecovered("replayed by whd_3"))
    }

    @Test func aCycleOfReplaysEnds() {
        var replays = ReplayIndex()
        replays.addFailed([row("whd_2", from: "whd_1"), row("whd_1", from: "whd_2")])
        #expect(replays.liveReplay(of: "whd_1") == nil)
    }
}
