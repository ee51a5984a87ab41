import ClusterStore
import Logging
import RelayConfig
import RelayCore
import Spool
import Synchronization
import Telemetry

/// Cluster mode as the relay runs it: the PostgreSQL claim store, reached at start (recovery
/// needs it), and its maintenance loop, a `Service` of the relay's group.
package final class ClusterMode: Sendable {
    package let store: PostgresClaimStore
    package let maintenance: ClaimStoreMaintenance

    private init(store: PostgresClaimStore) {
        self.store = store
        self.maintenance = ClaimStoreMaintenance(store: store)
    }

    /// The store of `settings.postgresURL`, connected and migrated (waiting, with backoff, for as
    /// long as it takes), or nil when the relay runs alone.
    static func start(settings: RelaySettings, metrics: RelayMetrics, logger: Logger) async throws -> ClusterMode? {
        guard let url = settings.postgresURL else { return nil }
        let instance = try InstanceIdentity.resolve(
            configured: settings.instanceID, dataDirectory: settings.dataDirectory)
        let configuration = storeConfiguration(url: url, settings: settings, instance: instance)
        let store = PostgresClaimStore(
            configuration: configuration, logger: logger, observer: StoreMetrics(registry: metrics.registry))
        let cluster = ClusterMode(store: store)
        logger.info(
            "cluster mode: connecting to the shared claim store",
            metadata: ["relay.store": "\(url.endpoint)", "relay.instance": "\(instance)"])
        try await cluster.maintenance.connectAtStart()
        return cluster
    }

    /// How to reach the shared store of `url`, as instance `instance`.
    package static func storeConfiguration(url: PostgresURL, settings: RelaySettings, instance: String)
        -> ClaimStoreConfiguration
    {
        let tls: ClaimStoreConfiguration.TLSMode
        switch url.sslMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer
        case .require: tls = .require
        case .verifyCA: tls = .verifyCA(roots: url.sslRootCertificate)
        case .verifyFull: tls = .verifyFull(roots: url.sslRootCertificate)
        }
        var configuration = ClaimStoreConfiguration(
            host: url.host, port: url.port, user: url.user, password: url.password, database: url.database, tls: tls,
            instanceID: instance)
        configuration.lockTimeout = settings.postgresLockTimeout
        configuration.connectTimeout = .seconds(url.connectTimeoutSeconds)
        configuration.windowMillis = settings.dedupeWindow.wholeMilliseconds
        return configuration
    }

    /// The store's state for `/admin/sinks` (and `moda-relay sinks`).
    var json: JSONValue {
        var object: [String: JSONValue] = [
            "kind": .string("postgresql"), "endpoint": .string(store.configuration.endpoint),
            "instance": .string(store.instanceID),
        ]
        switch store.state {
        case .up: object["state"] = .string("up")
        case .connecting: object["state"] = .string("connecting")
        case .down(let reason):
            object["state"] = .string("down")
            object["reason"] = .string(reason)
        }
        return .object(object)
    }

    /// Why readiness fails because of the store, or nil while it is up.
    var problem: String? {
        switch store.state {
        case .up: return nil
        case .connecting: return "shared store: connecting to \(store.configuration.endpoint)"
        case .down(let reason): return "shared store \(store.configuration.endpoint) unreachable: \(reason)"
        }
    }
}
