import RelayCore
import Synchronization

extension CommitEngine {
    /// Cluster mode's recovery of tail records whose keys the seen log lacks (the crash came
    /// between the sync and the seen log): a complete event claimed by this instance is kept,
    /// one claimed by another is skipped, an unclaimed one is claimed now. An event cut short
    /// (in only some of its spools) is never claimed; it is skipped if another instance has it.
    static func reconcile(
        complete: [(key: String, entry: SeenEntry)], cutShort: [(key: String, entry: SeenEntry)],
        claims: any SharedClaims, nowMillis: Int64
    ) throws(SpoolError) -> (restored: [SeenEntry], elsewhere: Set<String>) {
        var restored: [SeenEntry] = []
        var elsewhere = Set<String>()
        let chunk = 1000
        for start in stride(from: 0, to: complete.count, by: chunk) {
            let part = complete[start..<min(start + chunk, complete.count)]
            let transaction = try claims.begin(claiming: part.map(\.entry.key), nowMillis: nowMillis)
            try transaction.commit()
            for item in part {
                if transaction.held.contains(item.entry.key) {
                    restored.append(item.entry)
                } else {
                    elsewhere.insert(item.key)
                }
            }
        }
        for start in stride(from: 0, to: cutShort.count, by: chunk) {
            let part = cutShort[start..<min(start + chunk, cutShort.count)]
            let held = try claims.heldElsewhere(part.map(\.entry.key), nowMillis: nowMillis)
            for item in part where held.contains(item.entry.key) { elsewhere.insert(item.key) }
        }
        return (restored, elsewhere)
    }
}
