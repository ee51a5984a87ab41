// swift-tools-version:6.0
// libFuzzer harnesses for moda-relay's parsers and file readers. Built and run by `ops/fuzz`
// (`swift build --sanitize=fuzzer --sanitize=address`); each harness is an executable whose
// `LLVMFuzzerTestOneInput` libFuzzer calls. The relay's pure targets are compiled here from the
// same sources (Sources/<Target> are links to ../Sources/<Target>), so `package` APIs are in reach
// and every module is instrumented.
import PackageDescription

let harness = { (name: String, dependencies: [Target.Dependency]) in
    Target.executableTarget(name: name, dependencies: dependencies + ["FuzzSupport"])
}

let package = Package(
    name: "ModaRelayFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "RelayCore", dependencies: ["COpenSSL"]),
        .target(name: "RelayConfig", dependencies: ["RelayCore", .product(name: "Yams", package: "Yams")]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "CCRC32C"),
        .target(name: "Spool", dependencies: ["CCRC32C", "RelayCore"]),
        .target(
            name: "RelayDispatch",
            dependencies: ["CCurl", "RelayCore", "Spool", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "Sinks",
            dependencies: [
                "RelayCore", "RelayConfig", "RelayDispatch", "Spool", .product(name: "Yams", package: "Yams"),
            ]),
        .target(name: "FuzzSupport", dependencies: ["Spool"]),
        harness("FuzzJSONEvent", ["RelayCore"]),
        harness("FuzzSignature", ["RelayCore", "RelayDispatch", "Sinks"]),
        harness("FuzzConfig", ["RelayConfig", "RelayCore", "Sinks"]),
        harness("FuzzSegment", ["Spool"]),
        harness("FuzzDeadLetters", ["Spool"]),
        harness("FuzzSeenLog", ["Spool"]),
        harness("FuzzAdminQuery", ["RelayCore"]),
        harness("FuzzPostgresURL", ["RelayConfig"]),
        harness("FuzzDeliveryLog", ["RelayCore"]),
    ]
)
