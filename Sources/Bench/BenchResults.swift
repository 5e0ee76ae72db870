import OrdealSupport
import BenchKit

/// One row of a benchmark: an operation on a backend with a number of worker processes, with
/// its latency percentiles. The JSON shape (`{"schemaVersion", "results": [row, ...], "meta"}`)
/// is stable; see the README.
public struct BenchRow: Sendable, Codable, Hashable {
    public var backend: String
    public var durability: String
    public var workers: Int
    public var op: String
    /// `closed` or `open@RATE/s` (see `LoopMode`).
    public var loop: String
    public var count: UInt64
    public var p50_us: Double
    public var p95_us: Double
    public var p99_us: Double
    public var p999_us: Double
    public var max_us: Double
    /// Operations per second of wall time, all workers together.
    public var ops_per_s: Double

    public init(
        backend: String, durability: String, workers: Int, op: String, loop: String, latency: LatencySummary, opsPerSecond: Double
    ) {
        self.backend = backend
        self.durability = durability
        self.workers = workers
        self.op = op
        self.loop = loop
        self.count = latency.count
        self.p50_us = latency.p50_us
        self.p95_us = latency.p95_us
        self.p99_us = latency.p99_us
        self.p999_us = latency.p999_us
        self.max_us = latency.max_us
        self.ops_per_s = (opsPerSecond * 10).rounded() / 10
    }

    /// What identifies a row across runs (a baseline's row for this one).
    public var key: BenchKey { BenchKey(backend: backend, workers: workers, op: op, loop: loop) }

    /// The value of a percentile named as in `--max-regression` (`p50`, `p95`, `p99`, `p99.9`, `max`).
    public func value(_ percentile: Percentile) -> Double {
        switch percentile {
        case .p50: p50_us
        case .p95: p95_us
        case .p99: p99_us
        case .p999: p999_us
        case .max: max_us
        }
    }
}

public struct BenchKey: Sendable, Codable, Hashable, CustomStringConvertible {
    public var backend: String
    public var workers: Int
    public var op: String
    public var loop: String

    public var description: String {
        "\(op) on \(backend) (\(workers) worker\(workers == 1 ? "" : "s"), \(loop) loop)"
    }
}

/// A whole histogram of one row, kept so that runs and workers can be merged exactly.
public struct BenchHistogram: Sendable, Codable {
    public var key: BenchKey
    public var histogram: LatencyHistogram
}

/// A run's results: the rows (the `--json` file), and the histograms behind them.
public struct BenchReport: Sendable, Codable {
    public var schemaVersion = 2
    public var results: [BenchRow]
    public var meta: [String: MetaValue]

    public init(results: [BenchRow], meta: [String: MetaValue]) {
        self.results = results
        self.meta = meta
    }

    public func row(_ op: String, backend: String? = nil, workers: Int = 1) -> BenchRow? {
        results.first { $0.op == op && $0.workers == workers && (backend == nil || $0.backend == backend) }
    }
}

/// Accumulates the measured blocks of a run into one histogram, count and wall time per row,
/// in the order rows were first seen. Memory grows with rows, never with operations.
public struct BenchCells: Sendable {
    struct Cell: Sendable {
        var durability: String
        var histogram = LatencyHistogram()
        var wallNanos: UInt64 = 0
    }

    private var order: [BenchKey] = []
    private var cells: [BenchKey: Cell] = [:]

    public init() {}

    public mutating func add(_ key: BenchKey, durability: String, histogram: LatencyHistogram, wallNanos: UInt64) {
        if cells[key] == nil {
            order.append(key)
            cells[key] = Cell(durability: durability)
        }
        cells[key]!.histogram.merge(histogram)
        cells[key]!.wallNanos += wallNanos
    }

    public var rows: [BenchRow] {
        order.map { key in
            let cell = cells[key]!
            let seconds = Double(cell.wallNanos) / 1e9
            return BenchRow(
                backend: key.backend, durability: cell.durability, workers: key.workers, op: key.op, loop: key.loop,
                latency: cell.histogram.summary, opsPerSecond: seconds > 0 ? Double(cell.histogram.count) / seconds : 0)
        }
    }

    public var histograms: [BenchHistogram] { order.map { BenchHistogram(key: $0, histogram: cells[$0]!.histogram) } }
}
