@testable import RelayCore
@testable import RelayDispatch
@testable import Sinks
@testable import Spool

/// Records and request helpers shared by the sink kinds' tests.
enum SinkTestRecords {
    static func record(_ body: String, key: String = "evt_01HT9", type: String = "task.failed") -> SpoolRecord {
        SpoolRecord(
            sequence: 7, acceptedAtMillis: 1_760_000_000_000, dedupeKey: key, eventType: type, body: Array(body.utf8))
    }

    static func header(_ request: OutboundRequest, _ name: String) -> String? {
        request.headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

}
