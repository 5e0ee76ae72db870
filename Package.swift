// swift-tools-version: 6.1
// Ordeal: chaos testing and benchmarking for crash-recovery software.
// Linux only: the runner and workers use Glibc, LD_PRELOAD, /proc and prctl, so no other
// platform is declared.
import PackageDescription

let package = Package(
    name: "Ordeal",
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
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // System SQLite (libsqlite3-dev), wrapped by RecoveryCore's SQLite layer.
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        // C helpers for calls Swift cannot make (variadic prctl, pipe2), and the shim's control block.
        .target(name: "COrdealShims"),
        // The one system-call layer: errno-carrying errors, EINTR retry, clocks, whole-file and
        // atomic writes, child processes. Every module reaches the kernel through it.
        .target(name: "OrdealSystem", dependencies: ["COrdealShims"], path: "Sources/System"),
        // Shared by the CLI and the libraries: canonical JSON, digests, exit statuses, the one
        // number and duration formatter, HDR latency histograms and percentiles, durability
        // levels, SVG plots.
        .target(
            name: "OrdealSupport",
            dependencies: [
                "OrdealSystem", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]),

        // MARK: The judge: run -> history -> checkers -> report. None of it imports RecoveryCore.
        // The model: scenarios, fault specs (one descriptor per kind), histories, final states, verdicts.
        .target(name: "OrdealModel", dependencies: ["OrdealSupport"], path: "Sources/Model"),
        // Every verdict, as pure functions of the history and the final state: it can reach nothing else.
        .target(name: "OrdealCheckers", dependencies: ["OrdealModel", "OrdealSupport"], path: "Sources/Checkers"),
        // The report model and its exporters (JSON, Markdown, JUnit, HTML, GitHub summary), plots, the schema.
        .target(
            name: "OrdealReports", dependencies: ["OrdealModel", "OrdealSupport", "OrdealSystem"],
            path: "Sources/Reports", resources: [.embedInCode("report.schema.json")]),
        // Network faults between workers and a server backend: a TCP proxy on SwiftNIO whose
        // toxics (latency, partitions, resets, refusals) the runner applies per worker.
        .target(
            name: "NetFaults",
            dependencies: [
                "OrdealModel",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]),
        // The runner: scenario loader, supervisor, worker processes, faults, analysis, rebuild.
        // Carries the LD_PRELOAD fault shim (Sources/FaultShim) as a resource.
        .target(
            name: "OrdealRunner",
            dependencies: [
                "OrdealModel", "OrdealCheckers", "OrdealReports", "OrdealSupport", "OrdealSystem",
                "COrdealShims", "CSQLite", "NetFaults", .product(name: "Yams", package: "Yams"),
            ],
            path: "Sources/Runner", resources: [.embedInCode("Protocol/worker-protocol.schema.json")],
            plugins: ["BuildFaultShim"]),
        // Builds libordeal_shim.so with plain clang (libc and libunwind only, no Swift runtime).
        .plugin(name: "BuildFaultShim", capability: .buildTool()),
        // Evidence: manifests of SHA-256 digests, DSSE/in-toto signatures, and their verification.
        .target(
            name: "Evidence",
            dependencies: ["OrdealSupport", "OrdealSystem", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ExtrasBase64", package: "swift-extras-base64"),
            ]),

        // MARK: The judged: Ordeal's own recovery core, its backends and workers.
        // Checkpoints with evidence, leases with fencing, the sweep, the idempotency store and
        // the task runner, over a storage interface.
        .target(
            name: "RecoveryCore",
            dependencies: ["CSQLite", "OrdealSupport", "OrdealSystem", .product(name: "Logging", package: "swift-log")]),
        // The PostgreSQL backend (postgres-nio).
        .target(
            name: "PostgresBackend",
            dependencies: [
                "RecoveryCore", "OrdealSupport", "OrdealSystem", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Backend specs (`sqlite:normal`, `memory`, `postgres://...`).
        .target(name: "Backends", dependencies: ["RecoveryCore", "PostgresBackend"]),
        // The worker library: roles a child process plays, speaking JSON lines.
        .target(name: "WorkerKit", dependencies: ["RecoveryCore", "OrdealSupport", "OrdealSystem", "COrdealShims", "BenchKit"]),
        // The backend conformance suite, for a backend of the user's own from any test framework
        // (no XCTest, no Swift Testing): docs/storage-interface.md, "Testing a backend".
        .target(name: "BackendConformance", dependencies: ["RecoveryCore", "OrdealSupport", "OrdealSystem"]),
        // What a benchmark worker runs: the workloads, the measuring loop, the worker protocol.
        // WorkerKit carries it, so every worker built on WorkerKit can be benchmarked.
        .target(
            name: "BenchKit", dependencies: ["RecoveryCore", "OrdealSupport", "OrdealSystem", "COrdealShims"]),
        // Benchmarks of the core on backends, side by side: the runner of `ordeal bench`.
        .target(
            name: "Bench",
            dependencies: [
                "BenchKit", "RecoveryCore", "OrdealSupport", "OrdealSystem", "Backends", "PostgresBackend", "NetFaults",
                "OrdealModel",
            ],
            resources: [.embedInCode("bench-results.schema.json")]),

        // MARK: Executables
        .executableTarget(
            name: "ordeal",
            dependencies: [
                "OrdealRunner", "OrdealReports", "OrdealModel", "Bench", "BenchKit", "Evidence", "OrdealSupport", "OrdealSystem",
                "Backends", "PostgresBackend", "RecoveryCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "ordeal-worker", dependencies: ["WorkerKit", "Backends"]),
        // The worked example of a backend of the user's own (Examples/custom-backend).
        .executableTarget(
            name: "custom-backend-worker", dependencies: ["WorkerKit", "Backends", "RecoveryCore"],
            path: "Examples/custom-backend/Sources/custom-backend-worker"),
        // A deliberately faulty worker: each flag breaks one guarantee, so tests can show
        // that every checker fails on a system that violates it. Used only by the tests.
        .executableTarget(
            name: "ordeal-faulty-worker", dependencies: ["WorkerKit", "RecoveryCore", "OrdealSupport", "OrdealSystem", "Backends"]),

        // MARK: Tests, one target per module, plus end-to-end tests of the built binaries.
        .testTarget(
            name: "RecoveryCoreTests",
            dependencies: ["RecoveryCore", "OrdealSupport", "OrdealSystem", "PostgresBackend", "PostgresTestSupport", "BackendConformance"]),
        .testTarget(name: "BackendConformanceTests", dependencies: ["BackendConformance", "RecoveryCore"]),
        // Starts a throwaway PostgreSQL cluster (ci/postgres.sh) for the tests that need one.
        .target(name: "PostgresTestSupport", dependencies: ["PostgresBackend"], path: "Tests/PostgresTestSupport"),
        .testTarget(
            name: "BackendsTests",
            dependencies: ["Backends", "Bench", "PostgresBackend", "RecoveryCore", "PostgresTestSupport", "WorkerKit", "ordeal-worker"]),
        .testTarget(name: "BenchTests", dependencies: ["Bench", "BenchKit", "RecoveryCore", "OrdealSupport"]),
        .testTarget(name: "EvidenceTests", dependencies: ["Evidence", "OrdealSupport"]),
        .testTarget(name: "SystemTests", dependencies: ["OrdealSystem"]),
        .testTarget(name: "CheckersTests", dependencies: ["OrdealCheckers", "OrdealModel", "OrdealSupport"]),
        .testTarget(
            name: "ReportsTests", dependencies: ["OrdealReports", "OrdealCheckers", "OrdealModel", "OrdealSupport"]),
        .testTarget(name: "NetFaultsTests", dependencies: ["NetFaults", "OrdealModel", "OrdealSystem"]),
        .testTarget(
            name: "RunnerTests",
            dependencies: [
                "OrdealRunner", "OrdealCheckers", "OrdealModel", "OrdealSupport", "OrdealSystem",
                .product(name: "Yams", package: "Yams"),
            ]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "OrdealRunner", "OrdealModel", "OrdealReports", "OrdealSupport", "OrdealSystem", "PostgresTestSupport",
                "ordeal", "ordeal-worker", "ordeal-faulty-worker", "custom-backend-worker",
            ]),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets where ![.system, .plugin].contains(target.type) && target.name != "COrdealShims" {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
