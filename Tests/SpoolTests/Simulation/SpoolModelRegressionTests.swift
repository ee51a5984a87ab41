import Glibc
import SimulatedDisk
import Testing

/// Sequences the model test found, shrunk: each broke a promise before its fix.
@Suite struct SpoolModelRegressionTests {
    func expectKept(_ model: ModelCase, sourceLocation: SourceLocation = #_sourceLocation) {
        let (violation, _) = model.run()
        #expect(violation == nil, "\(violation.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
    }

    /// An acknowledgements file was created, written and synced, but its directory was not: a
    /// power cut took the file's name, and delivered events were sent again.
    @Test func acknowledgementsSurviveAPowerCutInANewFile() {
        expectKept(
            ModelCase(
                seed: 3, segmentBytes: 1024, maxSpoolBytes: 8192,
                steps: [
                    .submit([.init(id: 16, routes: [0])]),
                    .commit,
                    .deliver(route: 2, count: 1, outcome: .ok),
                    .flush(route: 0),
                    .restart(.tornPowerCut),
                ]))
    }

    /// A reader that deleted delivered segments before reading past them reported their records
    /// as lost (a false damage finding), as it started from the deleted segment's first sequence.
    @Test func deletingDeliveredSegmentsBeforeReadingThemReportsNoLoss() {
        expectKept(
            ModelCase(
                seed: 8, segmentBytes: 256, maxSpoolBytes: 2048,
                steps: [
                    .removeRoute(0),
                    .reap,
                    .submit([.init(id: 2, routes: [3]), .init(id: 3, routes: [3, 0])]),
                    .commit,
                    .deliver(route: 2, count: 2, outcome: .ok),
                    .fail(.write, errno: EIO, skip: 0),
                    .crash(afterCalls: 11),
                    .submit([.init(id: 30, routes: [0])]),
                    .flush(route: 0),
                    .flush(route: 1),
                    .commit,
                    .flush(route: 2),
                    .deliver(route: 1, count: 1, outcome: .ok),
                ]))
    }

    /// Finding 6: a key known only from the seen log's unsynced bytes (a `kill -9` kept them in
    /// the page cache) was not written again; its tail rolled, power was cut, and Moda's retry
    /// was accepted a second time.
    @Test func aRecoveredKeyStaysSeenAfterItsTailRollsAndThePowerIsCut() {
        expectKept(
            ModelCase(
                seed: 1, segmentBytes: 1024, maxSpoolBytes: 2048,
                steps: [
                    .submit([.init(id: 41, routes: [3, 1, 0]), .init(id: 33, routes: [2])]),
                    .submit([
                        .init(id: 22, routes: [0]), .init(id: 49, routes: [2, 3]), .init(id: 50, routes: [3]),
                        .init(id: 51, routes: [0, 2, 3]),
                    ]),
                    .addRoute(2),
                    .submit([.init(id: 52, routes: [3, 2, 0])]),
                    .submit([
                        .init(id: 53, routes: [3]), .init(id: 33, routes: [2, 1]), .init(id: 41, routes: [2]),
                        .init(id: 48, routes: [1, 3]),
                    ]),
                    .crash(afterCalls: 27),
                    .commit,
                    .deliver(route: 0, count: 1, outcome: .dead),
                    .submit([.init(id: 8, routes: [3])]),
                    .commit,
                    .restart(.powerCut),
                    .submit([.init(id: 33, routes: [3])]),
                ]))
    }

    /// Finding 3: a tail that alone filled the spool's cap was never retired (the refusal was not
    /// an error of the commit), so once everything was delivered the sink still refused for ever.
    @Test func aSpoolFullOfItsTailHealsOnceDelivered() {
        expectKept(
            ModelCase(
                seed: 19, segmentBytes: 1024, maxSpoolBytes: 2048,
                steps: [
                    .submit([
                        .init(id: 6, routes: [1]), .init(id: 7, routes: [3, 0]), .init(id: 6, routes: [2, 0, 1]),
                        .init(id: 2, routes: [3]),
                    ]),
                    .submit([.init(id: 8, routes: [3]), .init(id: 3, routes: [2, 1]), .init(id: 9, routes: [2])]),
                    .submit([.init(id: 19, routes: [3]), .init(id: 1, routes: [3, 0]), .init(id: 17, routes: [3])]),
                    .submit([.init(id: 20, routes: [3]), .init(id: 21, routes: [0, 3]), .init(id: 22, routes: [1])]),
                    .submit([
                        .init(id: 23, routes: [0]), .init(id: 24, routes: [3, 1]), .init(id: 4, routes: [1, 0]),
                        .init(id: 18, routes: [0, 1]),
                    ]),
                ]))
    }

    /// Finding 4: an event routed by the old table committed after its removed route's worker
    /// had drained and stopped, into a spool nobody reads.
    @Test func aCommitAfterARouteIsRemovedIsNotStranded() {
        expectKept(
            ModelCase(
                seed: 108, segmentBytes: 256, maxSpoolBytes: 512,
                steps: [
                    .submit([.init(id: 10, routes: [3])]),
                    .removeRoute(3),
                    .reap,
                ]))
    }

    /// Finding 1, as the model test found it on the code before the fix: the tail had to roll
    /// while no spare segment was left, the new segment's sync failed, and the file stayed. The
    /// reader took it for the tail, deleted the real one (every record in it was dead-lettered),
    /// and the next event was synced into the deleted file and acknowledged.
    @Test func aFailedSegmentCreationNeverMakesTheReaderDeleteTheLiveTail() {
        expectKept(
            ModelCase(
                seed: 36, segmentBytes: 256, maxSpoolBytes: 512,
                steps: [
                    .submit([.init(id: 5, routes: [1])]),
                    .submit([.init(id: 15, routes: [1])]),
                    .removeRoute(0),
                    .commit,
                    .deliver(route: 1, count: 2, outcome: .dead),
                    .submit([.init(id: 16, routes: [0]), .init(id: 17, routes: [2])]),
                    .commit,
                    .fail(.sync, errno: EIO, skip: 2),
                    .deliver(route: 1, count: 1, outcome: .dead),
                    .reclaim(route: 3),
                    .replay(route: 1, count: 1),
                ]))
    }

    /// A route removed, added back and removed again: the first removal's final mark still stood
    /// when the fleet looked, though an event for the route added back was queued; the worker
    /// stopped before it committed. A closure now counts only if no later request overtook it.
    @Test func aRouteRemovedAgainIsNotReapedOnItsFirstRemovalsMark() {
        expectKept(
            ModelCase(
                seed: 5361, segmentBytes: 1024, maxSpoolBytes: 8192,
                steps: [
                    .removeRoute(0),
                    .removeRoute(0),
                    .commit,
                    .addRoute(1),
                    .submit([.init(id: 14, routes: [1])]),
                    .removeRoute(2),
                    .reap,
                ]))
    }

    /// An event whose commit a crash cut short (in one of its two spools) was dead-lettered there
    /// and replayed; recovery took the replay's record for a complete commit of the event, so
    /// Moda's retry was answered duplicate and the other route never got it. A replay's records
    /// now never make a key seen.
    @Test func aReplayedRecordIsNoEvidenceThatItsEventWasAccepted() {
        expectKept(
            ModelCase(
                seed: 3268, segmentBytes: 256, maxSpoolBytes: 1_073_741_824,
                steps: [
                    .crash(afterCalls: 16),
                    .submit([.init(id: 7, routes: [0])]),
                    .submit([.init(id: 8, routes: [0]), .init(id: 10, routes: [3])]),
                    .commit,
                    .submit([.init(id: 11, routes: [0]), .init(id: 12, routes: [2, 0, 1])]),
                    .commit,
                    .deliver(route: 2, count: 4, outcome: .dead),
                    .replay(route: 0, count: 1),
                    .restart(.kill),
                    .submit([.init(id: 12, routes: [3])]),
                ]))
    }
}
