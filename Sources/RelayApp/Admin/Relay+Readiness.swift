import Admin
import Ingress
import RelayConfig
import RelayCore
import Spool
import Synchronization

extension Relay {
    /// Readiness: not shutting down, the store up (cluster mode), the spools writable, the last
    /// commit neither failed nor still running past `commit_timeout`, and no spool at its cap.
    package func readiness() -> Readiness {
        var problems: [Readiness.Reason] = []
        let (warnings, reloadError) = (routes.warnings, routes.lastReloadError)
        if state.withLock({ $0.shuttingDown }) { problems.append(.init("shutting_down", "shutting down")) }
        if let problem = cluster?.problem { problems.append(.init("store_unavailable", problem)) }
        if writer.unresolvedBatches > 0 {
            problems.append(
                .init(
                    "claim_unresolved",
                    "shared store: whether \(writer.unresolvedBatches) batch(es) of claims committed is not known yet; "
                        + "their events are held, and new events get 503 until it is"))
        }
        if let error = writer.lastError {
            problems.append(.init("commit_failed_" + error.code.rawValue, "spool: last commit failed: \(error)"))
        }
        if let busy = writer.busyFor, busy > settings.commitTimeout {
            problems.append(
                .init(
                    "commit_stuck",
                    "spool: a commit has run for \(busy.wholeMilliseconds) ms (commit_timeout \(settings.commitTimeout)): "
                        + "the disk is not completing writes; events get 503"))
        }
        for (sink, error) in writer.fullSpools.sorted(by: { $0.key < $1.key }) {
            problems.append(
                .init("spool_full", "spool: sink '\(sink)' refuses events until delivery frees room: \(error.message)"))
        }
        for directory in [DataDirectory(settings.dataDirectory).spools, DataDirectory(settings.dataDirectory).seen]
        where !writer.configuration.fileSystem.isWritableDirectory(directory) {
            problems.append(.init("not_writable", "spool: \(directory) is not writable"))
        }
        var allWarnings = warnings.map { Readiness.Reason("route_disabled", $0) }
        if let reloadError {
            allWarnings.append(
                .init("reload_rejected", "last route reload failed, previous routes still in force: \(reloadError)"))
        }
        let damage = integrity.recentDamage
        if !damage.isEmpty {
            let total = integrity.damageCount
            allWarnings += damage.map { .init("storage_damage", "storage: \($0)") }
            if total > damage.count {
                allWarnings.append(
                    .init("storage_damage", "storage: \(total - damage.count) earlier finding(s) in the log"))
            }
        }
        return Readiness(problems: problems, warnings: allWarnings)
    }
}
