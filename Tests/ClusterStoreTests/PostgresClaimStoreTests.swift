import ClusterStore
import Foundation
import Logging
import RelayCore
import RelayTestSupport
import Spool
import Testing

/// `PostgresClaimStore` on its own, against a real PostgreSQL 15: the claim semantics the spool
/// writer relies on in cluster mode, two instances sharing one database.
@Suite struct PostgresClaimStoreTests {
    let now: Int64 = 1_760_000_000_000

    /// A store for `instance`, connected and migrated.
    static func store(_ database: String, instance: String) async throws -> PostgresClaimStore {
        let configuration = ClaimStoreConfiguration(
            host: "127.0.0.1", port: PostgresServer.shared.port, user: PostgresServer.user,
            password: PostgresServer.password, database: database, tls: .disable, instanceID: instance)
        let store = PostgresClaimStore(
            configuration: configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await ClaimStoreMaintenance(store: store).connectAtStart()
        return store
    }

    static func keys(_ names: String...) -> [DedupeKey] { names.map { DedupeKey($0) } }

    @Test func aCommittedClaimIsHeldByItsInstanceOnlyAndAFreshKeyByWhoeverAsks() async throws {
        let database = try PostgresServer.shared.createDatabase()
        let a = try await Self.store(database, instance: "a")
        let b = try await Self.store(database, instance: "b")
        let first = try a.begin(claiming: Self.keys("evt_1", "evt_2"), nowMillis: now)
        #expect(first.held == Set(Self.keys("evt_1", "evt_2")))
        try first.commit()
        let second = try b.begin(claiming: Self.keys("evt_1", "evt_3"), nowMillis: now)
        #expect(second.held == Set(Self.keys("evt_3")))
        try second.commit()
        #expect(try b.heldElsewhere(Self.keys("evt_1", "evt_3", "evt_9"), nowMillis: now) == Set(Self.keys("evt_1")))
        #expect(try a.heldElsewhere(Self.keys("evt_1", "evt_3"), nowMillis: now) == Set(Self.keys("evt_3")))
        await a.shutdown()
        await b.shutdown()
    }

    @Test func aRolledBackClaimLeavesTheKeyFree() async throws {
        let database = try PostgresServer.shared.createDatabase()
        let a = try await Self.store(database, instance: "a")
        let b = try await Self.store(database, instance: "b")
        let abandoned = try a.begin(claiming: Self.keys("evt_1"), nowMillis: now)
        #expect(abandoned.held == Set(Self.keys("evt_1")))
        abandoned.rollBack()
        let taken = try b.begin(claiming: Self.keys("evt_1"), nowMillis: now)
        #expect(taken.held == Set(Self.keys("evt_1")))
        try taken.commit()
        await a.shutdown()
        await b.shutdown()
    }

    @Test func anInstanceHoldsItsOwnClaimAgain() async throws {
        // The local seen-set is the authority on what this instance stored: a key it claimed
        // before belongs to a batch it rolled back locally, so it is held again.
        let database = try PostgresServer.shared.createDatabase()
        let a = try await Self.store(database, instance: "a")
        try a.begin(claiming: Self.keys("evt_1"), nowMillis: now).commit()
        let again = try a.begin(claiming: Self.keys("evt_1"), nowMillis: now)
        #expect(again.held == Set(Self.keys("evt_1")))
        try again.commit()
        await a.shutdown()
    }

    @Test func aStoreWhoseSessionsAreNotUpRefusesClaimsAtOnce() async throws {
        // Nothing listens on the port, so the store never comes up; the ingress must get its
        // 503 at once rather than wait on a dead store.
        let database = try PostgresServer.shared.createDatabase()
        let refused = try LowPort()
        var configuration = ClaimStoreConfiguration(
            host: "127.0.0.1", port: refused.port, user: PostgresServer.user,
            password: PostgresServer.password, database: database, tls: .disable, instanceID: "a")
        configuration.connectTimeout = .seconds(1)
        let store = PostgresClaimStore(
            configuration: configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let started = ContinuousClock.now
        #expect {
            _ = try store.begin(claiming: Self.keys("evt_1"), nowMillis: now)
        } throws: { error in
            (error as? SpoolError)?.code == .storeUnavailable
        }
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(store.state == .connecting)
        await store.shutdown()
    }
}
