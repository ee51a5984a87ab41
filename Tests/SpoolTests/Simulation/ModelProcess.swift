import Spool

/// What one run of the relay holds on the simulated disk: the dedupe store, the writer's engine,
/// and a reader and dead-letter log per route that has a worker. Dropped whole at a crash; the
/// next one recovers from the disk.
final class ModelProcess {
    let dedupe: LocalDedupeStore
    let engine: CommitEngine
    /// Workers by route name: the spool reader, the records handed out and not settled, the
    /// sequences acknowledged since the last successful flush.
    var workers: [String: Worker] = [:]
    /// Jobs waiting for the writer.
    var queued: [CommitEngine.Job] = []
    /// Event ids queued now (the in-flight ledger lets one copy at a time through).
    var inFlight: Set<Int> = []
    /// Dead-letter logs by route, opened on first use.
    private var deadLogs: [String: DeadLetterLog] = [:]
    let data: String
    let disk: any FileSystem
    let integrity: SpoolIntegrity

    final class Worker {
        let reader: SpoolReader
        var held: [SpoolRecord] = []
        var acknowledged: [UInt64] = []
        var draining = false

        init(reader: SpoolReader) { self.reader = reader }
    }

    init(
        data: String, disk: any FileSystem, configuration: GroupCommitWriter.Configuration, routes: [String],
        integrity: SpoolIntegrity
    ) throws(SpoolError) {
        self.data = data
        self.disk = disk
        self.integrity = integrity
        dedupe = try LocalDedupeStore(
            directory: DataDirectory(data).seen, windowMillis: 86_400_000, nowMillis: configuration.clock(),
            integrity: integrity, fileSystem: disk)
        engine = try CommitEngine(
            configuration: configuration, sinks: routes, dedupe: dedupe)
        for route in routes { try startWorker(route) }
    }

    func startWorker(_ route: String) throws(SpoolError) {
        let engine = self.engine
        let reader = try SpoolReader(
            sink: route, directory: DataDirectory(data).spool(route), integrity: integrity, fileSystem: disk
        ) { bytes in engine.segmentsDeleted(sink: route, bytes: bytes) }
        workers[route] = Worker(reader: reader)
    }

    func deadLetters(_ route: String) throws(SpoolError) -> DeadLetterLog {
        if let log = deadLogs[route] { return log }
        let log = try DeadLetterLog(
            directory: DataDirectory(data).dead, sink: route, integrity: integrity, fileSystem: disk)
        deadLogs[route] = log
        return log
    }

    /// Performs the queued jobs (one group commit).
    func commit() {
        let jobs = queued
        queued = []
        _ = engine.perform(jobs)
    }
}
