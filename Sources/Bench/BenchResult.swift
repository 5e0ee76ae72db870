import OrdealMetrics

/// One row of a benchmark: an operation on a backend, with its latency percentiles.
/// The JSON shape (`{"results": [row, ...]}`) is stable; see the README.
public struct BenchRow: Sendable, Codable, Hashable {
    public var backend: String
    public var durability: String
    public var op: String
    public var count: UInt64
    public var p50_us: Double
    public var p95_us: Double
    public var p99_us: Double
    public var p999_us: Double
    public var max_us: Double
    public var ops_per_s: Double

    init(backend: String, durability: String, op: String, latency: LatencySummary, opsPerSecond: Double) {
        self.backend = backend
        self.durability = durability
        self.op = op
        self.count = latency.count
        self.p50_us = latency.p50_us
        self.p95_us = latency.p95_us
        self.p99_us = latency.p99_us
        self.p999_us = latency.p999_us
        self.max_us = latency.max_us
        self.ops_per_s = (opsPerSecond * 10).rounded() / 10
    }
}

public struct BenchReport: Sendable, Codable {
    public var results: [BenchRow]
    public var meta: [String: String]

    public func row(_ op: String) -> BenchRow? { results.first { $0.op == op } }

    /// The report as an aligned terminal table, with the ratio of each write to the raw floor.
    public func table() -> String {
        let header = ["op", "count", "p50 µs", "p95 µs", "p99 µs", "p99.9 µs", "max µs", "ops/s"]
        var rows = [header]
        for r in results {
            rows.append([
                r.op, "\(r.count)", fmt(r.p50_us), fmt(r.p95_us), fmt(r.p99_us), fmt(r.p999_us), fmt(r.max_us),
                fmt(r.ops_per_s),
            ])
        }
        let widths = header.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        var out = ""
        for (n, row) in rows.enumerated() {
            let cells = row.enumerated().map { i, cell in
                i == 0 ? cell + String(repeating: " ", count: widths[i] - cell.count)
                    : String(repeating: " ", count: widths[i] - cell.count) + cell
            }
            out += cells.joined(separator: "  ") + "\n"
            if n == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        if let raw = row("raw.insert_txn"), raw.p50_us > 0, let commit = row("checkpoint.commit") {
            out += "checkpoint.commit P50 / raw.insert_txn P50 = \(fmt(commit.p50_us / raw.p50_us, digits: 2))\n"
        }
        return out
    }
}

func fmt(_ value: Double, digits: Int = 1) -> String {
    let scale = digits == 2 ? 100.0 : 10.0
    let rounded = (value * scale).rounded() / scale
    var text = "\(rounded)"
    if text.hasSuffix(".0") && digits == 1 && rounded >= 1000 { text.removeLast(2) }
    return text
}
