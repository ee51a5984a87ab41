import Foundation
import RelayCore
import Spool

/// A fresh temporary directory, removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("spool-test-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

func request(_ key: String, sinks: [String], body: String? = nil, at time: Int64 = WallClock.nowMillis())
    -> AppendRequest
{
    AppendRequest(
        sinks: sinks, dedupeKey: key, seenKey: DedupeKey(key), eventType: "task.succeeded",
        body: Array((body ?? #"{"id":"\#(key)","type":"task.succeeded"}"#).utf8), acceptedAtMillis: time)
}

/// Appends and waits for the commit.
func append(_ writer: GroupCommitWriter, _ request: AppendRequest) async -> Result<Void, SpoolError> {
    await withCheckedContinuation { continuation in
        writer.append(request) { continuation.resume(returning: $0.map { _ in () }) }
    }
}

/// Every record in a sink's spool, read straight from the segment files.
func recordsOnDisk(_ data: String, sink: String) throws -> [SpoolRecord] {
    let directory = data + "/spool/" + sink
    var records: [SpoolRecord] = []
    for name in SpoolFiles.list(directory) where name.hasSuffix(".seg") {
        let bytes = try SpoolFiles.read(directory + "/" + name)
        for payload in Frame.scan(bytes, from: SpoolFormat.segmentMagic.count).payloads {
            records.append(SpoolRecord(decoding: payload)!)
        }
    }
    return records
}

func openWriter(
    _ data: String, sinks: [String], window: Int64 = 86_400_000,
    configure: (inout GroupCommitWriter.Configuration) -> Void = { _ in }
) throws -> (GroupCommitWriter, LocalDedupeStore) {
    let store = try LocalDedupeStore(directory: data + "/seen", windowMillis: window, nowMillis: WallClock.nowMillis())
    var configuration = GroupCommitWriter.Configuration(dataDirectory: data)
    configure(&configuration)
    let writer = try GroupCommitWriter(
        configuration: configuration, sinks: sinks, dedupe: store)
    writer.start()
    return (writer, store)
}
