// swift-tools-version: 6.1
// Ordeal: chaos testing and benchmarking for crash-recovery software.
import PackageDescription

let package = Package(
    name: "Ordeal",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "RecoveryCore", targets: ["RecoveryCore"]),
        .library(name: "WorkerKit", targets: ["WorkerKit"]),
        .executable(name: "ordeal", targets: ["ordeal"]),
        .executable(name: "ordeal-worker", targets: ["ordeal-worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // System SQLite (libsqlite3-dev), wrapped by RecoveryCore's SQLite layer.
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        // Shared by the CLI and the libraries: canonical JSON, hashing, exit codes.
        .target(
            name: "OrdealSupport",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // The recovery core: checkpoints with evidence, leases with fencing, the sweep,
        // the idempotency store and the task runner, over a storage interface.
        .target(
            name: "RecoveryCore",
            dependencies: [
                "CSQLite", "OrdealSupport",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // HDR histograms and latency summaries.
        .target(
            name: "Metrics",
            dependencies: [.product(name: "Histogram", package: "hdrhistogram-swift")]),
        // The worker library: roles a child process plays, speaking JSON lines.
        .target(name: "WorkerKit", dependencies: ["RecoveryCore", "OrdealSupport", "COrdealShims"]),
        // C helpers for calls Swift cannot make (variadic prctl).
        .target(name: "COrdealShims"),
        // Child processes, faults, histories and checkers (the scenario runner grows here).
        // Carries the LD_PRELOAD fault shim (Sources/FaultShim) as a resource.
        .target(
            name: "Chaos",
            dependencies: [
                "RecoveryCore", "OrdealSupport", "COrdealShims", "Metrics",
                .product(name: "Yams", package: "Yams"),
            ],
            plugins: ["BuildFaultShim"]),
        // Builds libordeal_shim.so with plain clang (libc and libunwind only, no Swift runtime).
        .plugin(name: "BuildFaultShim", capability: .buildTool()),
        // Evidence: manifests of SHA-256 digests, DSSE/in-toto signatures, and their verification.
        .target(
            name: "Evidence",
            dependencies: ["OrdealSupport", .product(name: "Crypto", package: "swift-crypto")]),
        // Benchmarks of the core on a backend.
        .target(name: "Bench", dependencies: ["RecoveryCore", "Metrics", "OrdealSupport", "Chaos", "COrdealShims"]),
        .executableTarget(
            name: "ordeal",
            dependencies: [
                "RecoveryCore", "Bench", "Chaos", "Evidence", "OrdealSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "ordeal-worker", dependencies: ["WorkerKit"]),
        // A deliberately faulty worker: each flag breaks one guarantee, so tests can show
        // that every checker fails on a system that violates it. Used only by the tests.
        .executableTarget(name: "ordeal-faulty-worker", dependencies: ["WorkerKit", "RecoveryCore", "OrdealSupport"]),
        .testTarget(name: "RecoveryCoreTests", dependencies: ["RecoveryCore", "OrdealSupport"]),
        .testTarget(name: "BenchTests", dependencies: ["Bench", "Metrics", "RecoveryCore", "OrdealSupport"]),
        .testTarget(name: "EvidenceTests", dependencies: ["Evidence", "OrdealSupport"]),
        .testTarget(
            name: "ChaosTests",
            dependencies: ["Chaos", "RecoveryCore", "OrdealSupport", "Metrics", .product(name: "Yams", package: "Yams")]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "RecoveryCore", "Chaos", "OrdealSupport", "Metrics", "ordeal", "ordeal-worker", "ordeal-faulty-worker",
            ]),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets where ![.system, .plugin].contains(target.type) && target.name != "COrdealShims" {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
