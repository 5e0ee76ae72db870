import OrdealMetrics
import OrdealSupport
import RecoveryCore

/// Measures the recovery core on embedded SQLite, with the raw insert transaction (the floor)
/// measured in the same run and interleaved with the core's operations in rounds, so that
/// machine drift hits them all alike.
public struct CoreBenchmark: Sendable {
    public struct Config: Sendable {
        /// A directory for the benchmark's database (created fresh, removed by the caller).
        public var directory: String
        public var durability: Durability
        /// Measured operations per workload.
        public var iterations: Int
        /// Unmeasured operations per workload before measuring.
        public var warmup: Int
        /// How many blocks each workload's iterations are split into (interleaving).
        public var rounds: Int
        /// Expired-lease counts to sweep, each measured `sweepRepeats` times.
        public var sweepSizes: [Int]
        public var sweepRepeats: Int
        /// Only these operations (all when nil).
        public var only: Set<String>?

        public init(directory: String, durability: Durability = .normal, iterations: Int = 20_000) {
            self.directory = directory
            self.durability = durability
            self.iterations = iterations
            self.warmup = max(iterations / 10, 50)
            self.rounds = 20
            self.sweepSizes = [1_000]
            self.sweepRepeats = 15
        }
    }

    public let config: Config

    public init(config: Config) { self.config = config }

    /// Runs every workload; `progress` receives one line per phase.
    public func run(progress: (String) -> Void = { _ in }) throws -> BenchReport {
        let backend = try SQLiteBackend(
            path: config.directory + "/bench.sqlite", options: SQLiteOptions(durability: config.durability))
        let workloads = try CoreWorkloads.make(backend: backend, operations: config.warmup + config.iterations)
            .filter { config.only?.contains($0.name) ?? true }
        progress("warm-up: \(config.warmup) of each of \(workloads.count) operations")
        for w in workloads {
            for i in 0..<config.warmup { try w.run(i) }
        }
        var histograms = Array(repeating: LatencyHistogram(), count: workloads.count)
        var busyNanos = Array(repeating: UInt64(0), count: workloads.count)
        let perRound = max(config.iterations / max(config.rounds, 1), 1)
        var done = 0
        var round = 0
        while done < config.iterations {
            let block = min(perRound, config.iterations - done)
            for (w, workload) in workloads.enumerated() {
                for j in 0..<block {
                    let i = config.warmup + done + j
                    let prepared = try workload.prepare?(i)
                    let start = Stopwatch.nowNanos()
                    try workload.op(i, prepared)
                    let elapsed = Stopwatch.nowNanos() - start
                    histograms[w].record(nanos: elapsed)
                    busyNanos[w] += elapsed
                }
            }
            done += block
            round += 1
            progress("round \(round): \(done)/\(config.iterations) of each operation")
        }
        var rows: [BenchRow] = []
        for (w, workload) in workloads.enumerated() {
            let seconds = Double(busyNanos[w]) / 1e9
            rows.append(
                BenchRow(
                    backend: backend.spec, durability: config.durability.rawValue, op: workload.name,
                    latency: histograms[w].summary, opsPerSecond: seconds > 0 ? Double(histograms[w].count) / seconds : 0))
        }
        for size in config.sweepSizes where config.only?.contains("sweep.expired_\(size)") ?? true {
            progress("sweep of \(size) expired leases, \(config.sweepRepeats) times")
            rows.append(try sweep(backend: backend, size: size))
        }
        return BenchReport(
            results: rows,
            meta: [
                "sqlite": SQLiteBackend.sqliteVersion, "iterations": "\(config.iterations)",
                "warmup": "\(config.warmup)", "loop": "closed", "interleaved_rounds": "\(round)",
            ])
    }

    /// Each repetition stores `size` items, leases them all with an already expired lease
    /// (unmeasured), then measures one `RecoverySweep.runOnce` that must recover every one.
    private func sweep(backend: SQLiteBackend, size: Int) throws -> BenchRow {
        var histogram = LatencyHistogram()
        var busy: UInt64 = 0
        let clock = ManualClock(startMillis: SystemClock().nowMillis())
        let leases = LeaseManager(store: backend, holder: "bench-sweeper", leaseMillis: 1, clock: clock)
        let sweep = RecoverySweep(store: backend, clock: clock)
        for repeat_ in 0..<(config.sweepRepeats + 1) {
            try leases.add((0..<size).map { NewWorkItem(id: "sweep-\(size)-\(repeat_)-\($0)", maxAttempts: 1_000) })
            for _ in 0..<size { _ = try leases.acquire() }
            clock.advance(byMillis: 10)
            let start = Stopwatch.nowNanos()
            let result = try sweep.runOnce()
            let elapsed = Stopwatch.nowNanos() - start
            guard result.recovered == size else {
                throw RecoveryError(.storage, "the sweep recovered \(result.recovered) of \(size) expired leases")
            }
            // Complete the recovered items so the next repetition sweeps only its own.
            while let lease = try leases.acquire() { try leases.complete(lease, output: "{}") }
            if repeat_ == 0 { continue }  // warm-up
            histogram.record(nanos: elapsed)
            busy += elapsed
        }
        return BenchRow(
            backend: backend.spec, durability: config.durability.rawValue, op: "sweep.expired_\(size)",
            latency: histogram.summary, opsPerSecond: Double(histogram.count) / (Double(busy) / 1e9))
    }
}
