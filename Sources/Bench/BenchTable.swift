import BenchKit
import Foundation

/// The terminal table: rows grouped by worker count and operation, one line per backend,
/// side by side, with each backend's P50 and P99 as ratios to the first backend's.
public enum BenchTable {
    /// The columns of the table in every format (terminal, report.md, report.html).
    static let header = [
        "op", "backend", "count", "p50 µs", "p95 µs", "p99 µs", "p99.9 µs", "max µs", "ops/s", "p50 ×first", "p99 ×first",
    ]

    /// One worker count's part of the table: its rows, each with the cells after `op`.
    struct Section {
        struct Line {
            var row: BenchRow
            /// The first backend's line of its operation (the terminal names the op there only).
            var firstOfOp: Bool
            /// `header` but its first column.
            var cells: [String]
        }

        var workers: Int
        var rows: [BenchRow]
        var lines: [Line]
    }

    /// The table as every format shows it: per worker count, the floors first, then the core's
    /// operations in the order they ran, one line per backend, ratios to the first backend.
    static func sections(_ report: BenchReport) -> [Section] {
        let firstBackend = report.results.first?.backend
        return orderedUnique(report.results.map(\.workers)).map { workers in
            let rows = report.results.filter { $0.workers == workers }
            let ops = orderedUnique(rows.map(\.op))
            var lines: [Section.Line] = []
            for op in ops.filter(BenchFloor.names.contains) + ops.filter({ !BenchFloor.names.contains($0) }) {
                let group = rows.filter { $0.op == op }
                let first = group.first { $0.backend == firstBackend }
                for (n, r) in group.enumerated() {
                    let cells = [
                        r.backend, "\(r.count)", fmt(r.p50_us), fmt(r.p95_us), fmt(r.p99_us), fmt(r.p999_us), fmt(r.max_us),
                        fmt(r.ops_per_s), ratio(r.p50_us, first?.p50_us), ratio(r.p99_us, first?.p99_us),
                    ]
                    lines.append(Section.Line(row: r, firstOfOp: n == 0, cells: cells))
                }
            }
            return Section(workers: workers, rows: rows, lines: lines)
        }
    }

    public static func render(_ report: BenchReport) -> String {
        let firstBackend = report.results.first?.backend
        var out = ""
        for section in sections(report) {
            if !out.isEmpty { out += "\n" }
            out += "\(section.workers) worker\(section.workers == 1 ? "" : " processes"), \(section.rows.first?.loop ?? "closed") loop; "
            out += "×first: ratio to \(firstBackend ?? "-")'s figure for the same operation\n"
            out += align([header] + section.lines.map { [$0.firstOfOp ? $0.row.op : ""] + $0.cells })
            for line in floorRatios(section.rows) { out += line + "\n" }
        }
        return out
    }

    /// `checkpoint.commit P50 / raw.insert_txn P50 on sqlite:normal = 1.9`, per backend with a floor.
    static func floorRatios(_ rows: [BenchRow]) -> [String] {
        var out: [String] = []
        for backend in orderedUnique(rows.map(\.backend)) {
            let mine = rows.filter { $0.backend == backend }
            guard let floor = mine.first(where: { BenchFloor.names.contains($0.op) }), floor.p50_us > 0,
                let commit = mine.first(where: { $0.op == "checkpoint.commit" })
            else { continue }
            out.append("checkpoint.commit P50 / \(floor.op) P50 on \(backend) = \(fmt(commit.p50_us / floor.p50_us, digits: 2))")
        }
        return out
    }

    static func ratio(_ value: Double, _ reference: Double?) -> String {
        guard let reference, reference > 0 else { return "-" }
        return fmt(value / reference, digits: 2)
    }

    static func align(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        var out = ""
        for (n, row) in rows.enumerated() {
            let cells = row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return i < 2 ? cell + pad : pad + cell
            }
            out += cells.joined(separator: "  ") + "\n"
            if n == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        return out
    }
}

/// The speed targets of the issue, read from a run's rows (sqlite:normal, one worker). They are
/// printed, never enforced: the figures are what shows them.
public enum BenchTargets {
    /// The targets' lines: sqlite:normal's, then each server backend's (one whose floor is
    /// `raw.roundtrip`), one worker.
    public static func lines(_ report: BenchReport) -> [String] {
        var out = sqliteLines(report)
        for backend in orderedUnique(report.results.map(\.backend)) {
            out += serverLines(report, backend: backend)
        }
        return out
    }

    static func verdict(_ ok: Bool) -> String { ok ? "met" : "NOT met" }

    static func sqliteLines(_ report: BenchReport) -> [String] {
        let backend = "sqlite:normal"
        func row(_ op: String) -> BenchRow? { report.row(op, backend: backend, workers: 1) }
        var out: [String] = []
        if let commit = row("checkpoint.commit"), let raw = row("raw.insert_txn"), raw.p50_us > 0 {
            let r = commit.p50_us / raw.p50_us
            out.append(
                "checkpoint.commit P50 \(fmt(commit.p50_us)) µs = \(fmt(r, digits: 2)) × raw.insert_txn P50 \(fmt(raw.p50_us)) µs "
                    + "(target ≤ 2.5 ×): \(verdict(r <= 2.5))")
        }
        for (op, limit) in [("cache.hit", 10.0), ("ledger.replay", 10.0), ("lease.acquire_release", 60.0)] {
            if let r = row(op) { out.append("\(op) P50 \(fmt(r.p50_us)) µs (target ≤ \(fmt(limit)) µs): \(verdict(r.p50_us <= limit))") }
        }
        if let sweep = row("sweep.expired_10000") {
            let p50 = sweep.p50_us / 1000
            out.append(
                "sweep.expired_10000 P50 \(fmt(p50, digits: 2)) ms of \(sweep.count) sweeps, max \(fmt(sweep.max_us / 1000, digits: 2)) ms "
                    + "(target P50 ≤ 100 ms): \(verdict(p50 <= 100))")
        }
        return out.isEmpty ? [] : ["targets (\(backend), 1 worker):"] + out.map { "  " + $0 }
    }

    /// Each single-statement operation within 3 × the server's round trip.
    static func serverLines(_ report: BenchReport, backend: String) -> [String] {
        guard let floor = report.row("raw.roundtrip", backend: backend, workers: 1), floor.p50_us > 0 else { return [] }
        let out = ["cache.hit", "ledger.replay", "checkpoint.last_verified"].compactMap { op -> String? in
            guard let r = report.row(op, backend: backend, workers: 1) else { return nil }
            let ratio = r.p50_us / floor.p50_us
            return "  \(op) P50 \(fmt(r.p50_us)) µs = \(fmt(ratio, digits: 2)) × raw.roundtrip P50 \(fmt(floor.p50_us)) µs "
                + "(target ≤ 3 ×): \(verdict(ratio <= 3))"
        }
        return out.isEmpty ? [] : ["targets (\(backend), 1 worker):"] + out
    }
}

func orderedUnique<T: Hashable>(_ values: [T]) -> [T] {
    var seen = Set<T>()
    return values.filter { seen.insert($0).inserted }
}
