import RelayCore
import Synchronization

/// The embedded dedupe store: ``SeenSet`` in memory, ``SeenLog`` on local disk.
package final class LocalDedupeStore: DedupeStore {
    private let seenSet: SeenSet
    private let log: Mutex<SeenLog>

    /// Opens `directory`, loading every entry still inside `windowMillis`; damage found in the
    /// log is reported to `integrity`.
    package init(
        directory: String, windowMillis: Int64, nowMillis: Int64, integrity: SpoolIntegrity? = nil,
        fileSystem: any FileSystem = PosixFileSystem.shared
    ) throws(SpoolError) {
        let log = try SeenLog(
            directory: directory, windowMillis: windowMillis, integrity: integrity, fileSystem: fileSystem)
        let seenSet = SeenSet(windowMillis: windowMillis)
        seenSet.reserve(log.estimatedEntries())
        var chunk: [SeenEntry] = []
        chunk.reserveCapacity(4096)
        try log.load(nowMillis: nowMillis) { entry in
            chunk.append(entry)
            if chunk.count == 4096 {
                seenSet.insert(chunk, nowMillis: nowMillis)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        seenSet.insert(chunk, nowMillis: nowMillis)
        self.seenSet = seenSet
        self.log = Mutex(log)
    }

    package func contains(_ key: DedupeKey, nowMillis: Int64) -> Bool {
        seenSet.contains(key, nowMillis: nowMillis)
    }

    package func recordDurable(_ entries: [SeenEntry], nowMillis: Int64, deferSync: Bool) throws(SpoolError) {
        let result: Result<Void, SpoolError> = log.withLock { log in
            do throws(SpoolError) {
                try log.append(entries, nowMillis: nowMillis, sync: !deferSync)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
        seenSet.insert(entries, nowMillis: nowMillis)
    }

    package func syncDeferred() throws(SpoolError) {
        let result: Result<Void, SpoolError> = log.withLock { log in
            do throws(SpoolError) {
                try log.syncPending()
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    package func restore(_ entries: [SeenEntry], nowMillis: Int64) {
        seenSet.insert(entries, nowMillis: nowMillis)
        log.withLock { $0.remember(entries, nowMillis: nowMillis) }
    }

    /// Keys held in memory.
    package var count: Int { seenSet.count }
}
