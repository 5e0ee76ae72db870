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
        .library(name: "Backends", targets: ["Backends"]),
        .library(name: "BackendConformance", targets: ["BackendConformance"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-extras/swift-extras-base64", from: "1.2.0"),
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
        // HDR histograms and latency summaries. Not named `Metrics`: postgres-nio brings
        // swift-metrics, whose module has that name, and SwiftPM forbids two.
        .target(
            name: "OrdealMetrics",
            dependencies: [.product(name: "Histogram", package: "hdrhistogram-swift")], path: "Sources/Metrics"),
        // The worker library: roles a child process plays, speaking JSON lines.
        .target(name: "WorkerKit", dependencies: ["RecoveryCore", "OrdealSupport", "COrdealShims", "BenchKit"]),
        // C helpers for calls Swift cannot make (variadic prctl).
        .target(name: "COrdealShims"),
        // Child processes, faults, histories and checkers (the scenario runner grows here).
        // Carries the LD_PRELOAD fault shim (Sources/FaultShim) as a resource.
        .target(
            name: "Chaos",
            dependencies: [
                "RecoveryCore", "OrdealSupport", "COrdealShims", "OrdealMetrics",
                .product(name: "Yams", package: "Yams"),
            ],
            plugins: ["BuildFaultShim"]),
        // Builds libordeal_shim.so with plain clang (libc and libunwind only, no Swift runtime).
        .plugin(name: "BuildFaultShim", capability: .buildTool()),
        // Evidence: manifests of SHA-256 digests, DSSE/in-toto signatures, and their verification.
        .target(
            name: "Evidence",
            dependencies: ["OrdealSupport", .product(name: "Crypto", package: "swift-crypto"), .product(name: "ExtrasBase64", package: "swift-extras-base64")]),
        // The PostgreSQL backend (postgres-nio), and backend specs (`sqlite:normal`, `memory`, `postgres://...`).
        .target(
            name: "PostgresBackend",
            dependencies: [
                "RecoveryCore", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(name: "Backends", dependencies: ["RecoveryCore", "PostgresBackend"]),
        // The backend conformance suite, for a backend of the user's own from any test framework
        // (no XCTest, no Swift Testing): docs/storage-interface.md, "Testing a backend".
        .target(name: "BackendConformance", dependencies: ["RecoveryCore", "OrdealSupport"]),
        // What a benchmark worker runs: the workloads, the measuring loop, the worker protocol.
        // WorkerKit carries it, so every worker built on WorkerKit can be benchmarked.
        .target(name: "BenchKit", dependencies: ["RecoveryCore", "OrdealMetrics", "OrdealSupport", "COrdealShims"]),
        // Benchmarks of the core on backends, side by side: the runner of `ordeal bench`.
        .target(
            name: "Bench",
            dependencies: ["BenchKit", "RecoveryCore", "OrdealMetrics", "OrdealSupport", "Chaos", "Backends", "PostgresBackend"]),
        .executableTarget(
            name: "ordeal",
            dependencies: [
                "RecoveryCore", "Bench", "BenchKit", "Chaos", "Evidence", "OrdealSupport", "Backends", "PostgresBackend",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "ordeal-worker", dependencies: ["WorkerKit", "Backends"]),
        // The worked example of a backend of the user's own (Examples/custom-backend).
        .executableTarget(
            name: "custom-backend-worker", dependencies: ["WorkerKit", "Backends", "RecoveryCore"],
            path: "Examples/custom-backend/Sources/custom-backend-worker"),
        // A deliberately faulty worker: each flag breaks one guarantee, so tests can show
        // that every checker fails on a system that violates it. Used only by the tests.
        .executableTarget(name: "ordeal-faulty-worker", dependencies: ["WorkerKit", "RecoveryCore", "OrdealSupport"]),
        .testTarget(name: "RecoveryCoreTests", dependencies: ["RecoveryCore", "OrdealSupport", "PostgresBackend", "PostgresTestSupport", "BackendConformance"]),
        .testTarget(name: "BackendConformanceTests", dependencies: ["BackendConformance", "RecoveryCore"]),
        // Starts a throwaway PostgreSQL cluster (ci/postgres.sh) for the tests that need one.
        .target(name: "PostgresTestSupport", dependencies: ["PostgresBackend"], path: "Tests/PostgresTestSupport"),
        .testTarget(
            name: "BackendsTests",
            dependencies: ["Backends", "Bench", "PostgresBackend", "RecoveryCore", "PostgresTestSupport", "ordeal-worker"]),
        .testTarget(name: "BenchTests", dependencies: ["Bench", "BenchKit", "OrdealMetrics", "RecoveryCore", "OrdealSupport"]),
        .testTarget(name: "EvidenceTests", dependencies: ["Evidence", "OrdealSupport"]),
        .testTarget(
            name: "ChaosTests",
            dependencies: ["Chaos", "RecoveryCore", "OrdealSupport", "OrdealMetrics", .product(name: "Yams", package: "Yams")]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "RecoveryCore", "Chaos", "OrdealSupport", "OrdealMetrics", "ordeal", "ordeal-worker", "ordeal-faulty-worker",
                "custom-backend-worker",
            ]),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets where ![.system, .plugin].contains(target.type) && target.name != "COrdealShims" {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
