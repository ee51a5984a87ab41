import Logging
import NIOCore
import PostgresNIO
import RelayCore
import ServiceLifecycle
import Spool
import Synchronization

/// The claim store's long-running part: keeps both sessions open (reconnecting with backoff),
/// migrates the schema on first contact, probes the server, and expires claims older than the
/// dedupe window in batches. When the store comes back, accepting resumes by itself.
package struct ClaimStoreMaintenance: Service {
    package let store: PostgresClaimStore

    package init(store: PostgresClaimStore) {
        self.store = store
    }

    /// Connects both sessions and migrates, retrying with backoff until it works or the task is
    /// cancelled. The relay calls this before recovery, which needs the store.
    package func connectAtStart() async throws {
        var backoff = Self.firstBackoff
        while true {
            do {
                try await ensureSessions()
                try await probe()
                store.markUp()
                return
            } catch {
                store.markDown(reason: "\(StoreFailure(error).message)")
                store.logger.warning(
                    "shared store unreachable at start; recovery and accepting wait for it",
                    metadata: ["relay.error": "\(StoreFailure(error).message)", "relay.retry_in": "\(backoff)"])
                do {
                    try await Task.sleep(for: backoff)
                } catch {
                    // The start was given up (cancelled): close what did connect, or the
                    // sessions would be freed open (postgres-nio asserts on that in debug builds).
                    await store.shutdown()
                    throw error
                }
                backoff = min(backoff * 2, Self.maximumBackoff)
            }
        }
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.loop()
        }
        await store.shutdown()
    }

    static let firstBackoff: Duration = .milliseconds(100)
    static let maximumBackoff: Duration = .seconds(5)

    private func loop() async {
        var backoff = Self.firstBackoff
        var nextExpiry = ContinuousClock.now
        while !Task.isCancelled {
            var pause = store.configuration.probeInterval
            do {
                try await ensureSessions()
                if ContinuousClock.now >= nextExpiry {
                    try await expire()
                    nextExpiry = ContinuousClock.now + store.configuration.expiryInterval
                }
                try await probe()
                store.markUp()
                backoff = Self.firstBackoff
            } catch {
                store.markDown(reason: StoreFailure(error).message)
                pause = backoff
                backoff = min(backoff * 2, Self.maximumBackoff)
            }
            // Sleep in short steps, so a session the writer gave up is replaced at once.
            let until = ContinuousClock.now + pause
            while ContinuousClock.now < until, !Task.isCancelled, !store.takeWake() {
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// Opens whichever session is missing; the first contact also migrates the schema.
    private func ensureSessions() async throws {
        let (writer, maintenance) = store.sessions.withLock { ($0.writer, $0.maintenance) }
        if maintenance == nil || maintenance!.isClosed {
            let connection = try await store.connect(role: "maintenance")
            do {
                _ = try await ClaimSchema.migrate(
                    connection, limit: store.configuration.roundTripLimit, logger: store.logger)
            } catch {
                try? await connection.close()
                throw error
            }
            store.sessions.withLock { $0.maintenance = connection }
        }
        if writer == nil || writer!.isClosed {
            let connection = try await store.connect(role: "writer")
            store.sessions.withLock { $0.writer = connection }
        }
    }

    private func probe() async throws {
        guard let connection = store.sessions.withLock({ $0.maintenance }) else { return }
        let started = ContinuousClock.now
        do {
            _ = try await boundedWait(
                connection.query("SELECT 1", logger: store.logger), limit: store.configuration.roundTripLimit)
            store.observer?.roundTrip("probe", duration: ContinuousClock.now - started)
        } catch {
            store.observer?.failed(code: StoreFailure(error).code)
            store.abandon(connection, reason: "probe failed: \(StoreFailure(error).message)")
            throw error
        }
    }

    /// Deletes claims older than the window, a batch per statement, so no lock is held long.
    private func expire() async throws {
        guard let connection = store.sessions.withLock({ $0.maintenance }) else { return }
        let cutoff = WallClock.nowMillis() &- store.configuration.windowMillis
        let batch = store.configuration.expiryBatch
        var total = 0
        while !Task.isCancelled {
            let started = ContinuousClock.now
            let query: PostgresQuery = """
                DELETE FROM moda_relay_claims WHERE key IN (
                    SELECT key FROM moda_relay_claims WHERE accepted_at_ms < \(cutoff) LIMIT \(batch))
                """
            let result: PostgresQueryResult
            do {
                result = try await boundedWait(
                    connection.query(query, logger: store.logger), limit: store.configuration.roundTripLimit)
            } catch {
                store.abandon(connection, reason: "expiry failed: \(StoreFailure(error).message)")
                throw error
            }
            store.observer?.roundTrip("expire", duration: ContinuousClock.now - started)
            let deleted = result.metadata.rows ?? 0
            total += deleted
            if deleted < batch { break }
        }
        if total > 0 {
            store.observer?.expired(total)
            store.logger.info("shared store: expired claims", metadata: ["relay.store.expired": "\(total)"])
        }
    }
}

extension PostgresClaimStore {
    /// A new session (async), bounded by the connect timeout.
    func connect(role: String) async throws -> PostgresConnection {
        let configuration = try self.configuration.connectionConfiguration(role: role)
        return try await PostgresConnection.connect(
            on: group.next(), configuration: configuration, id: nextConnectionID(), logger: logger)
    }

    /// Marks the store up, if both sessions are open right now (the writer may have given one up
    /// since the probe: then it stays down until the next round).
    func markUp() {
        let changed = sessions.withLock { sessions -> Bool in
            guard let writer = sessions.writer, !writer.isClosed, let maintenance = sessions.maintenance,
                !maintenance.isClosed, sessions.state != .up
            else { return false }
            sessions.state = .up
            return true
        }
        if changed {
            observer?.reachable(true)
            logger.notice(
                "shared store reachable: accepting in cluster mode", metadata: ["relay.instance": "\(instanceID)"])
        }
    }

    func markDown(reason: String) {
        let changed = sessions.withLock { sessions -> Bool in
            defer { sessions.state = .down(reason: reason) }
            return sessions.state == .up || sessions.state == .connecting
        }
        if changed {
            observer?.reachable(false)
            logger.error(
                "shared store unreachable: new events are refused (503)", metadata: ["relay.reason": "\(reason)"])
        }
    }

    /// Whether the writer asked for a reconnect since the last look (and clears it).
    func takeWake() -> Bool {
        sessions.withLock { sessions in
            defer { sessions.wake = false }
            return sessions.wake
        }
    }
}
