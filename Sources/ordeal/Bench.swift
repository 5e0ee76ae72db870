import ArgumentParser
import Bench
import Foundation
import OrdealSupport
import RecoveryCore

extension Durability: ExpressibleByArgument {}

extension Ordeal {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure the recovery core on embedded SQLite, beside SQLite's own floor.",
            discussion: """
                Operations: raw.insert_txn (a bare BEGIN IMMEDIATE / INSERT / COMMIT: the
                floor), checkpoint.commit (commitStep with evidence, verified; the
                snapshot's canonical JSON and hash are prepared by beginStep outside the
                clock), checkpoint.workflow (begin, commit, verify, last verified),
                checkpoint.verify, checkpoint.last_verified, cache.hit, ledger.replay,
                lease.acquire_release, and sweep.expired_N (one sweep of N expired leases;
                setup excluded).

                Closed loop, one process. A warm-up is run and discarded; then the
                operations are interleaved in rounds so that machine drift hits all of them
                alike. Latencies are recorded in HDR histograms (3 significant digits).
                Build with `-c release`: a debug build's figures mean little.

                --json FILE writes {"results": [{"backend", "durability", "op", "count",
                "p50_us", "p95_us", "p99_us", "p999_us", "max_us", "ops_per_s"}], "meta":
                {...}}.
                """)

        @Option(help: "SQLite durability: full (fsync each commit), normal (fsync at checkpoints), off.")
        var durability: Durability = .normal

        @Option(help: "Measured operations per workload.")
        var iterations = 20_000

        @Option(name: .customLong("sweep-sizes"), help: "Comma-separated counts of expired leases to sweep.")
        var sweepSizes = "1000"

        @Option(name: .customLong("sweep-repeats"), help: "Measured sweeps per size.")
        var sweepRepeats = 15

        @Option(help: "Only these operations, comma-separated (default: all).")
        var ops: String?

        @Option(help: "Write the results as JSON to this file.")
        var json: String?

        @Option(help: "Directory for the benchmark database (default: a new temporary one, removed after).")
        var directory: String?

        func validate() throws {
            guard iterations >= 10 else { throw ValidationError("--iterations must be at least 10") }
            guard sweepRepeats >= 1 else { throw ValidationError("--sweep-repeats must be at least 1") }
            guard parsedSweepSizes != nil else {
                throw ValidationError("--sweep-sizes takes positive whole numbers separated by commas, e.g. 100,1000")
            }
        }

        var parsedSweepSizes: [Int]? {
            let sizes = sweepSizes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
            return sizes.compactMap { $0 }
        }

        func run() throws {
            #if DEBUG
            Tools.warn("ordeal bench: this is a debug build; build with `swift build -c release` for meaningful figures")
            #endif
            if let json { try Tools.requireWritableFile(json, option: "--json") }
            let dir = try directory ?? Tools.temporaryDirectory(prefix: "ordeal-bench")
            try Tools.requireWritableDirectory(dir, option: "--directory")
            defer { if directory == nil { try? FileManager.default.removeItem(atPath: dir) } }
            var config = CoreBenchmark.Config(directory: dir, durability: durability, iterations: iterations)
            config.sweepSizes = parsedSweepSizes ?? [1_000]
            config.sweepRepeats = sweepRepeats
            config.only = ops.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
            let report = try CoreBenchmark(config: config).run { Tools.warn("bench: " + $0) }
            print("backend \(report.results.first?.backend ?? "?"), SQLite \(SQLiteBackend.sqliteVersion), closed loop, 1 process")
            print(report.table(), terminator: "")
            if let json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                try Tools.writeAtomically(try encoder.encode(report), to: json)
                print("wrote \(json)")
            }
        }
    }
}
