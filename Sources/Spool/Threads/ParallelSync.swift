import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Makes several files durable at once: each job (frame a spool's records, write them,
/// `fdatasync`) runs on its own helper thread, so the disk sees the flushes together instead of
/// one after another, and the framing and copying of one spool overlaps another's sync. A
/// commit that touched 16 spools then waits about as long as seven single syncs on this
/// machine, not sixteen.
///
/// The caller runs the first job itself and waits for the helpers to run the rest, so a single
/// job costs no hand-off. Helpers are started on first need (at most `maxHelpers`; with more
/// jobs than helpers, a helper runs several) and stop at ``close()``. With `maxHelpers: 0` the
/// caller runs every job in order, so the file-system calls of a commit come in a fixed order.
/// One caller at a time (the spool writer thread).
package final class ParallelSync: @unchecked Sendable {
    /// A file to sync: its descriptor, its path for the error, and the file system it is on.
    package struct Target: Sendable {
        package var descriptor: Int32
        package var path: String
        package var fileSystem: any FileSystem

        package init(descriptor: Int32, path: String, fileSystem: any FileSystem = PosixFileSystem.shared) {
            self.descriptor = descriptor
            self.path = path
            self.fileSystem = fileSystem
        }
    }

    /// One unit of work: typically write one file's bytes and sync it. It throws only
    /// ``SpoolError`` (declared untyped: typed-throws closures crash swift-frontend 6.3.1 here).
    package typealias Job = @Sendable () throws -> Void

    // All mutable state is guarded by `mutex`.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let workAvailable = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let workDone = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var pending: [(job: Job, slot: Int)] = []
    private var failures: [SpoolError?] = []
    private var remaining = 0
    private var helpers = 0
    private var closed = false
    private let maxHelpers: Int

    package init(maxHelpers: Int = 15) {
        self.maxHelpers = maxHelpers
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(workAvailable, nil)
        pthread_cond_init(workDone, nil)
    }

    deinit {
        pthread_cond_destroy(workAvailable)
        pthread_cond_destroy(workDone)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        workAvailable.deallocate()
        workDone.deallocate()
    }

    /// `fdatasync` of `target`.
    package static func dataSync(_ target: Target) throws(SpoolError) {
        try target.fileSystem.dataSync(target.descriptor, path: target.path)
    }

    /// Runs every job; returns once all have finished. Throws the first job's error (in `jobs`
    /// order) if any failed. Every job runs either way.
    package func run(_ jobs: [Job]) throws(SpoolError) {
        guard jobs.count > 1, maxHelpers > 0 else {
            // One job, or no helpers (a deterministic run: the jobs in order on this thread).
            var first: SpoolError?
            for job in jobs {
                do throws(SpoolError) { try Self.perform(job) } catch { first = first ?? error }
            }
            if let first { throw first }
            return
        }
        pthread_mutex_lock(mutex)
        failures = Array(repeating: nil, count: jobs.count)
        pending = jobs.indices.dropFirst().map { (jobs[$0], $0) }
        remaining = jobs.count - 1
        let wanted = min(jobs.count - 1, maxHelpers)
        while helpers < wanted && !closed {
            helpers += 1
            let thread = Thread { [self] in self.helperLoop() }
            thread.name = "moda-relay-sync"
            thread.start()
        }
        // Closed: the helpers are gone or going, so the caller runs every job.
        let alone = closed
        pthread_cond_broadcast(workAvailable)
        pthread_mutex_unlock(mutex)

        var first: SpoolError?
        do throws(SpoolError) { try Self.perform(jobs[0]) } catch { first = error }
        // Then wait for the helpers. Taking their jobs too would be no faster: on a busy
        // machine the caller, already running, took nearly all of them and ran them in turn.
        if alone {
            while let job = takeJob(waiting: false) { run(job) }
        }
        pthread_mutex_lock(mutex)
        while remaining > 0 { pthread_cond_wait(workDone, mutex) }
        let failed = failures
        failures = []
        pthread_mutex_unlock(mutex)
        if let error = first ?? failed.lazy.compactMap({ $0 }).first { throw error }
    }

    private static func perform(_ job: Job) throws(SpoolError) {
        do {
            try job()
        } catch let error as SpoolError {
            throw error
        } catch {
            throw SpoolError(code: .ioError, message: "\(error)")
        }
    }

    /// Stops the helpers (they finish any job they hold).
    package func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_broadcast(workAvailable)
        pthread_mutex_unlock(mutex)
    }

    private func helperLoop() {
        while let job = takeJob(waiting: true) { run(job) }
    }

    /// The next job; nil when there is none (`waiting`: none and closed).
    private func takeJob(waiting: Bool) -> (job: Job, slot: Int)? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while waiting && pending.isEmpty && !closed { pthread_cond_wait(workAvailable, mutex) }
        return pending.popLast()
    }

    private func run(_ job: (job: Job, slot: Int)) {
        var failure: SpoolError?
        do throws(SpoolError) { try Self.perform(job.job) } catch { failure = error }
        pthread_mutex_lock(mutex)
        failures[job.slot] = failure
        remaining -= 1
        if remaining == 0 { pthread_cond_signal(workDone) }
        pthread_mutex_unlock(mutex)
    }
}
