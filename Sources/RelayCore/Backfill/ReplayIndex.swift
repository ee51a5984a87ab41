/// Which deliveries replay which, from the rows of Moda's log: `replayed_from_id` links a
/// redelivery to the delivery it replays. A replay that is pending or succeeded recovers the
/// event; one that failed hands the job on to itself.
package struct ReplayIndex: Sendable {
    private var live: [String: String] = [:]
    private var failed: [String: String] = [:]

    package init() {}

    /// Records rows listed with `status=pending` or `status=succeeded`.
    package mutating func addLive(_ rows: [DeliveryRow]) {
        for row in rows { if let original = row.replayedFromID { live[original] = row.id } }
    }

    /// Records rows listed with `status=failed`.
    package mutating func addFailed(_ rows: [DeliveryRow]) {
        for row in rows { if let original = row.replayedFromID { failed[original] = row.id } }
    }

    /// A pending or succeeded delivery replaying `id`, directly or through failed replays.
    package func liveReplay(of id: String) -> String? {
        var current = id
        for _ in 0..<64 {  // a chain is short; the bound only guards against a cycle
            if let replay = live[current] { return replay }
            guard let next = failed[current] else { return nil }
            current = next
        }
        return nil
    }

    /// A failed delivery replaying `id`, if any.
    package func failedReplay(of id: String) -> String? { failed[id] }
}
