import Glibc
import RelayCore
import Synchronization

/// The backfill's durable record, in the data dir (`backfill/ledger`): every redelivery the
/// relay asked for, and the reconciler's watermark. `serve` and `moda-relay backfill` share it:
/// a run holds `backfill/lock` (flock) for its whole length, so two runs never ask for one
/// delivery twice.
///
/// The ledger is lines of text, appended and synced one by one: `R <id> <type> <created ms>
/// <requested ms>` and `W <watermark ms>`, tab-separated. A torn last line is ignored. When the
/// file passes 4 MiB, a run rewrites it with the requests of the last 30 days.
package final class BackfillLedger: BackfillLedgerStore {
    /// Why the ledger could not be used.
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    package let directory: String
    private var ledgerPath: String { directory + "/ledger" }
    private static let keptMillis: Int64 = 30 * 86_400_000
    private static let compactAboveBytes = 4 << 20

    package init(dataDirectory: String) {
        self.directory = dataDirectory + "/backfill"
    }

    /// Runs `body` as the only backfill run on this data dir, after any run in progress ends
    /// (`waiting` is called once if one is).
    package func exclusively<T: Sendable>(
        nowMillis: Int64, waiting: @Sendable () -> Void = {}, _ body: (any BackfillLedgerSession) async throws -> T
    ) async throws -> T {
        try Self.makeDirectory(String(directory.dropLast("/backfill".count)))
        try Self.makeDirectory(directory)
        let lock = open(directory + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw Failure(description: "cannot open \(directory)/lock: \(Self.errorText())") }
        defer { Glibc.close(lock) }
        if flock(lock, LOCK_EX | LOCK_NB) != 0 {
            waiting()
            while flock(lock, LOCK_EX | LOCK_NB) != 0 { try await Task.sleep(for: .milliseconds(100)) }
        }
        defer { flock(lock, LOCK_UN) }
        var loaded = try load()
        if loaded.bytes > Self.compactAboveBytes { loaded = try compact(loaded, nowMillis: nowMillis) }
        let descriptor = open(ledgerPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(description: "cannot open \(ledgerPath): \(Self.errorText())") }
        defer { Glibc.close(descriptor) }
        if loaded.bytes == 0 { try Self.syncDirectory(directory) }
        let state = State(
            descriptor: descriptor, path: ledgerPath, requests: loaded.requests, watermark: loaded.watermark)
        return try await body(state)
    }

    /// The ledger file's size now (0 when there is none): it only grows, until a compaction.
    package func version() -> Int64 {
        var info = stat()
        return stat(ledgerPath, &info) == 0 ? Int64(info.st_size) : 0
    }

    /// The redeliveries asked for at or after `sinceMillis`, by any run (for the stale-timestamp
    /// rule). Reads the file without the lock: a line being appended is simply not there yet.
    package func requested(sinceMillis: Int64) throws -> [RequestedRedelivery] {
        try load().requests.values.filter { $0.requestedAtMillis >= sinceMillis }
    }

    /// What one run sees and adds: the requests and the watermark, kept in memory and appended
    /// to the file (synced) as they happen.
    package final class State: BackfillLedgerSession {
        private struct Contents {
            var requests: [String: RequestedRedelivery]
            var watermark: Int64?
        }

        private let descriptor: Int32
        private let path: String
        private let contents: Mutex<Contents>

        fileprivate init(descriptor: Int32, path: String, requests: [String: RequestedRedelivery], watermark: Int64?) {
            self.descriptor = descriptor
            self.path = path
            self.contents = Mutex(Contents(requests: requests, watermark: watermark))
        }

        package func isRequested(_ id: String) -> Bool { contents.withLock { $0.requests[id] != nil } }
        package var watermarkMillis: Int64? { contents.withLock { $0.watermark } }

        /// Records a request, durably, before the run goes on.
        package func record(_ request: RequestedRedelivery) throws {
            try append(BackfillLedger.line(request))
            contents.withLock { $0.requests[request.deliveryID] = request }
        }

        /// Moves the watermark, durably.
        package func setWatermark(_ millis: Int64) throws {
            try append("W\t\(millis)\n")
            contents.withLock { $0.watermark = millis }
        }

        private func append(_ line: String) throws {
            let bytes = Array(line.utf8)
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written == bytes.count, fdatasync(descriptor) == 0 else {
                throw Failure(description: "cannot write \(path): \(BackfillLedger.errorText())")
            }
        }
    }

    private struct Loaded {
        var requests: [String: RequestedRedelivery] = [:]
        var watermark: Int64?
        var bytes = 0
    }

    private func load() throws -> Loaded {
        let descriptor = open(ledgerPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return Loaded() }
            throw Failure(description: "cannot open \(ledgerPath): \(Self.errorText())")
        }
        defer { Glibc.close(descriptor) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count >= 0 else { throw Failure(description: "cannot read \(ledgerPath): \(Self.errorText())") }
            if count == 0 { break }
            data += chunk[0..<count]
        }
        var loaded = Loaded(bytes: data.count)
        // Only whole lines: a torn last one was never synced, so no run relied on it.
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast() {
            let fields = line.split(separator: UInt8(ascii: "\t")).map { String(decoding: $0, as: UTF8.self) }
            if fields.count == 5, fields[0] == "R", let created = Int64(fields[3]), let requested = Int64(fields[4]) {
                loaded.requests[fields[1]] = RequestedRedelivery(
                    deliveryID: fields[1], eventType: fields[2], createdAtMillis: created, requestedAtMillis: requested)
            } else if fields.count == 2, fields[0] == "W", let watermark = Int64(fields[1]) {
                loaded.watermark = watermark
            }
        }
        return loaded
    }

    /// Rewrites the ledger with the last 30 days of requests and the watermark, through a synced
    /// temporary file renamed over it.
    private func compact(_ loaded: Loaded, nowMillis: Int64) throws -> Loaded {
        var kept = loaded
        kept.requests = loaded.requests.filter { nowMillis - $0.value.requestedAtMillis <= Self.keptMillis }
        var text = kept.requests.values.sorted { $0.requestedAtMillis < $1.requestedAtMillis }.map(Self.line).joined()
        if let watermark = kept.watermark { text += "W\t\(watermark)\n" }
        let temporary = ledgerPath + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(description: "cannot open \(temporary): \(Self.errorText())") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fdatasync(descriptor) == 0
        Glibc.close(descriptor)
        guard written == bytes.count, synced, rename(temporary, ledgerPath) == 0 else {
            throw Failure(description: "cannot rewrite \(ledgerPath): \(Self.errorText())")
        }
        try Self.syncDirectory(directory)
        kept.bytes = bytes.count
        return kept
    }

    static func line(_ request: RequestedRedelivery) -> String {
        // Ids are checked before a request is made; a type from the network loses any separator.
        let type = String(
            request.eventType.unicodeScalars.filter { $0.value > 0x20 && $0.value != 0x7F }.map(Character.init))
        return
            "R\t\(request.deliveryID)\t\(type.isEmpty ? "-" : type)\t\(request.createdAtMillis)\t\(request.requestedAtMillis)\n"
    }

    private static func makeDirectory(_ path: String) throws {
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            throw Failure(description: "cannot create \(path): \(errorText())")
        }
    }

    private static func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(description: "cannot open \(path): \(errorText())") }
        defer { Glibc.close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Failure(description: "cannot sync \(path): \(errorText())") }
    }

    fileprivate static func errorText() -> String { String(cString: strerror(errno)) }
}
