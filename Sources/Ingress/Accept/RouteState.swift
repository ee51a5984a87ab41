import RelayCore
import Synchronization

/// The routes in force, with what the last load said about them: the table the ingress routes
/// by, the warnings of disabled routes, and the error of the last reload that was refused.
/// Reloads replace the table whole; readers take it under a lock, never a half-swapped one.
package final class RouteState: Sendable {
    private struct State {
        var table: RouteTable
        var warnings: [String]
        var lastReloadError: String?
    }

    private let state: Mutex<State>

    package init(table: RouteTable, warnings: [String] = []) {
        state = Mutex(State(table: table, warnings: warnings))
    }

    /// The routes in force.
    package var table: RouteTable { state.withLock { $0.table } }

    /// Why routes are disabled (`${VAR}` unset, `enabled: false`).
    package var warnings: [String] { state.withLock { $0.warnings } }

    /// The last refused reload's first error, until a reload succeeds.
    package var lastReloadError: String? { state.withLock { $0.lastReloadError } }

    /// A reload was swapped in.
    package func replace(_ table: RouteTable, warnings: [String]) {
        state.withLock {
            $0.table = table
            $0.warnings = warnings
        }
    }

    /// A reload ended: nil when it succeeded, else why it was refused (the old routes stay).
    package func noteReload(error: String?) {
        state.withLock { $0.lastReloadError = error }
    }
}
