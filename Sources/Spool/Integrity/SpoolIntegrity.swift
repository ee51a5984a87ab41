import Synchronization

/// Where damaged bytes found in the data directory are reported: torn tails (expected after a
/// crash), corrupt ranges skipped by resynchronisation, and spool records lost with them.
///
/// Spool code reports here and goes on; the relay observes it to log (corruption at error),
/// count (`moda_relay_storage_corruption_total`) and warn in `/readyz`. Findings made before an
/// observer is attached (during recovery at start) are replayed to it. Thread-safe.
package final class SpoolIntegrity: Sendable {
    /// One finding.
    package struct Finding: Sendable, Equatable, CustomStringConvertible {
        package enum Kind: String, Sendable {
            /// Bytes after the last complete frame, truncated: a write a crash interrupted.
            case tornTail = "torn_tail"
            /// Bytes that are not frames, in the middle of a file; kept, and skipped.
            case corrupt
            /// Spool records that could not be read back (they were in corrupt bytes).
            case lostRecords = "lost_records"
        }

        package var kind: Kind
        /// `segment`, `acks`, `seen log` or `dead letters`.
        package var fileKind: String
        package var path: String
        /// The byte range (torn tail, corrupt) or the sequence range (lost records).
        package var range: Range<UInt64>

        package init(kind: Kind, fileKind: String, path: String, range: Range<UInt64>) {
            self.kind = kind
            self.fileKind = fileKind
            self.path = path
            self.range = range
        }

        /// Corruption and loss are the operator's business; a torn tail after a crash is not.
        package var isDamage: Bool { kind != .tornTail }

        package var description: String {
            switch kind {
            case .tornTail:
                return "torn tail of \(range.count) bytes truncated at byte \(range.lowerBound) of \(path)"
            case .corrupt:
                return "corrupt bytes \(range.lowerBound)..<\(range.upperBound) (\(range.count) bytes) in \(fileKind) "
                    + "file \(path), skipped; the frames after them are kept"
            case .lostRecords:
                return "\(range.count) spool record(s), sequences \(range.lowerBound)..<\(range.upperBound), "
                    + "could not be read back from \(path) and are lost"
            }
        }
    }

    private struct State {
        var recent: [Finding] = []
        var damage = 0
        var observers: [@Sendable (Finding) -> Void] = []
        var all: [Finding] = []
    }

    /// Findings kept for ``recentDamage`` (the newest).
    package static let kept = 20

    private let state = Mutex(State())

    package init() {}

    /// Records a finding and tells the observers.
    package func report(_ finding: Finding) {
        let observers = state.withLock { state in
            if finding.isDamage {
                state.damage += 1
                state.recent.append(finding)
                if state.recent.count > Self.kept { state.recent.removeFirst(state.recent.count - Self.kept) }
            }
            if state.all.count < 1000 { state.all.append(finding) }
            return state.observers
        }
        for observer in observers { observer(finding) }
    }

    /// Calls `observer` for every finding so far (up to the first 1000), then for each new one.
    package func observe(_ observer: @escaping @Sendable (Finding) -> Void) {
        let past = state.withLock { state in
            state.observers.append(observer)
            return state.all
        }
        for finding in past { observer(finding) }
    }

    /// The newest corrupt ranges and losses (for `/readyz` warnings).
    package var recentDamage: [Finding] { state.withLock { $0.recent } }

    /// Corrupt ranges and losses found since start.
    package var damageCount: Int { state.withLock { $0.damage } }
}
