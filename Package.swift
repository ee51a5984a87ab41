// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "ModaRelay",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "moda-relay", targets: ["ModaRelay"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // Cluster mode's shared claim store: SwiftNIO-native PostgreSQL client (extended protocol,
        // TLS through NIOSSL, typed errors with SQLSTATE); writing the wire protocol ourselves
        // would be far more code to own than this one well-kept dependency.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // System library: OpenSSL's libcrypto for HMAC-SHA256, SHA-256 and constant-time compare.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // System library: libcurl, driven through its multi interface for deliveries.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // CRC-32C with the CPU's CRC32 instruction (SSE 4.2), for the spool frames' checksums.
        .target(name: "CCRC32C"),
        // Pure logic: events, signatures, routes, matching, templates. No I/O.
        .target(
            name: "RelayCore",
            dependencies: ["COpenSSL"]
        ),
        // Reading and validating relay.yaml and routes/*.yaml with precise positions.
        .target(
            name: "RelayConfig",
            dependencies: ["RelayCore", .product(name: "Yams", package: "Yams")]
        ),
        // Durable per-sink spools, group commit, recovery, the persisted seen-set.
        .target(
            name: "Spool",
            dependencies: ["CCRC32C", "RelayCore"]
        ),
        // Outbound HTTP: the libcurl multi loop on its own thread.
        .target(
            name: "RelayDispatch",
            dependencies: ["CCurl", "RelayCore", "Spool", .product(name: "Logging", package: "swift-log")]
        ),
        // The sink kinds, one folder each: route keys, request builder, the sink, explain.
        .target(
            name: "Sinks",
            dependencies: [
                "RelayCore", "RelayConfig", "RelayDispatch", "Spool", .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Cluster mode: exactly-once acceptance across instances through claims in PostgreSQL.
        .target(
            name: "ClusterStore",
            dependencies: [
                "RelayCore", "Spool", "Backfill",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Backfill: Moda's delivery log read, and redeliveries asked for, for what Moda gave up on.
        .target(
            name: "Backfill",
            dependencies: [
                "RelayCore", "RelayDispatch",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The relay's Prometheus metrics: one registry, the families every layer reports to.
        .target(
            name: "Telemetry",
            dependencies: [
                "RelayCore", "Spool", "RelayDispatch", "Backfill", "ClusterStore",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The webhook server (plain or TLS) and the accept pipeline: verify, dedupe, route, store.
        .target(
            name: "Ingress",
            dependencies: [
                "RelayCore", "Spool", "Telemetry",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The admin API (probes, metrics, sinks, deliveries, dead letters, replay) and the browser
        // console, behind `AdminBackend`: what they need from the running relay, and nothing more.
        .target(
            name: "Admin",
            dependencies: [
                "RelayCore", "Spool", "RelayDispatch", "Backfill",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The browser console (`GET /ui`), compiled into the binary.
            resources: [
                .embedInCode("Console/console.html"), .embedInCode("Console/console.css"),
                .embedInCode("Console/console.js"),
            ]
        ),
        // The composition root: `Relay` builds the object graph from the settings; the services
        // and their order, reloads, cluster wiring, and the admin backend over the running relay.
        .target(
            name: "RelayApp",
            dependencies: [
                "RelayCore", "RelayConfig", "Spool", "RelayDispatch", "Sinks", "ClusterStore", "Backfill", "Telemetry",
                "Ingress", "Admin",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "ModaRelay",
            dependencies: [
                "RelayCore", "RelayConfig", "Spool", "RelayApp", "RelayDispatch", "Sinks", "Backfill", "ClusterStore",
                "Telemetry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Test helpers shared by test targets: a scriptable HTTP sink server.
        .target(
            name: "RelayTestSupport",
            dependencies: [
                "RelayCore", "Spool", "SimulatedDisk",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/RelayTestSupport"
        ),
        .testTarget(name: "RelayCoreTests", dependencies: ["RelayCore", "RelayTestSupport"]),
        .testTarget(name: "BackfillTests", dependencies: ["Backfill", "RelayCore", "RelayTestSupport"]),
        // The shared claim store on its own, against a real PostgreSQL.
        .testTarget(
            name: "ClusterStoreTests",
            dependencies: [
                "ClusterStore", "RelayCore", "Spool", "RelayTestSupport", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "RelayConfigTests", dependencies: ["RelayConfig", "RelayCore", "Sinks"]),
        // A simulated disk behind the storage's file-system seam: unsynced bytes lost on a power
        // cut, failures and crashes at any call (the spool's model test and the hung-disk tests).
        .target(name: "SimulatedDisk", dependencies: ["Spool"], path: "Tests/SimulatedDisk"),
        .testTarget(name: "SpoolTests", dependencies: ["Spool", "RelayCore", "SimulatedDisk", "RelayTestSupport"]),
        .testTarget(
            name: "RelayDispatchTests",
            dependencies: [
                "RelayDispatch", "RelayCore", "Spool", "RelayTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SinksTests",
            dependencies: ["Sinks", "RelayCore", "RelayConfig", "RelayDispatch", "Spool", "RelayTestSupport"]
        ),
        // The `moda-relay` command as an operator runs it: the real binary, its flags and output.
        .testTarget(
            name: "ModaRelayTests",
            dependencies: [
                "ModaRelay", "RelayCore", "RelayTestSupport", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The ingress layer on its own: the in-flight ledger, the connection state machine.
        .testTarget(name: "IngressTests", dependencies: ["Ingress", "RelayCore", "Spool", "RelayTestSupport"]),
        // The whole relay, in process and as a process: accept, deliver, admin, reload, cluster
        // mode, backfill, crashes and full disks, against real sink servers, files and PostgreSQL.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Ingress", "Admin", "RelayApp", "Telemetry", "RelayCore", "RelayConfig", "Spool", "Sinks", "ModaRelay",
                "RelayTestSupport", "SimulatedDisk",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ]
)

// One place for the compiler settings of every Swift target of ours (the tools version makes it
// Swift 6 mode, with complete strict concurrency): existentials spelled `any`, conformances that
// infer their isolation, each file importing the modules whose members it uses, and warnings as
// errors, so a warning fails the build instead of a grep of its log.
// Test targets keep warnings as warnings: this toolchain's Swift Testing macros expand to code that
// warns ("'@const' value should be initialized with a compile-time value").
// Not enabled: NonisolatedNonsendingByDefault (it moves where nonisolated async code runs, a
// behaviour change to measure on its own) and InternalImportsByDefault (every module here exposes
// its API as `package`, which that feature would make us re-import as `package import` everywhere).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InferIsolatedConformances"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .treatAllWarnings(as: .error),
]
for target in package.targets where target.type != .system && !["CCRC32C"].contains(target.name) {
    let settings = target.type == .test ? Array(strictSettings.dropLast()) : strictSettings
    target.swiftSettings = (target.swiftSettings ?? []) + settings
}
