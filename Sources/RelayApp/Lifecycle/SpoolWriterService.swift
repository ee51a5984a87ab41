import ServiceLifecycle
import Spool

/// The spool writer: its thread starts here, and it is closed once the ingress no longer
/// accepts, after its queued commits (appends that came before the start were queued).
struct SpoolWriterService: Service {
    let writer: GroupCommitWriter

    func run() async throws {
        writer.start()
        await untilShutdown { await writer.close() }
    }
}
