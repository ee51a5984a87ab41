import RelayCore
import Testing

@Suite struct StaleRedeliveryRuleTests {
    let created: Int64 = 1_765_101_600_000
    var rule: StaleRedeliveryRule {
        StaleRedeliveryRule([
            RequestedRedelivery(
                deliveryID: "whd_1", eventType: "task.succeeded", createdAtMillis: created,
                requestedAtMillis: created + 7_200_000)
        ])
    }

    @Test func theOriginalTimestampOfARequestedRedeliveryIsAdmitted() {
        let now = created + 7_260_000  // a minute after the relay asked
        #expect(
            rule.admits(eventType: "task.succeeded", timestampSeconds: created / 1000, nowMillis: now)?.deliveryID
                == "whd_1")
        // The last retry's signature, 36 s after created_at.
        #expect(rule.admits(eventType: "task.succeeded", timestampSeconds: created / 1000 + 36, nowMillis: now) != nil)
    }

    @Test func anythingElseStaleIsNot() {
        let now = created + 7_260_000
        #expect(rule.admits(eventType: "task.failed", timestampSeconds: created / 1000, nowMillis: now) == nil)
        #expect(rule.admits(eventType: "task.succeeded", timestampSeconds: created / 1000 + 301, nowMillis: now) == nil)
        #expect(rule.admits(eventType: "task.succeeded", timestampSeconds: created / 1000 - 301, nowMillis: now) == nil)
        // More than an hour after the relay asked, or before it asked.
        #expect(
            rule.admits(eventType: "task.succeeded", timestampSeconds: created / 1000, nowMillis: created + 10_800_001)
                == nil)
        #expect(rule.admits(eventType: "task.succeeded", timestampSeconds: created / 1000, nowMillis: created) == nil)
        #expect(StaleRedeliveryRule().isEmpty)
        #expect(rule.admits(eventType: "task.succeeded", timestampSeconds: .max, nowMillis: now) == nil)
        #expect(rule.admits(eventType: "task.succeeded", timestampSeconds: .min, nowMillis: now) == nil)
    }
}
