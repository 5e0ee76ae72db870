import BenchKit
/// `report.md` of a bench run folder: the same figures as the terminal table.
public enum BenchMarkdown {
    public static func render(_ outcome: BenchOutcome, loop: LoopMode, plots: [String], comparison: [String]) -> String {
        let report = outcome.report
        let first = report.results.first?.backend
        var out = "# ordeal bench\n\n"
        out += "Backends: \(report.meta["backends"]?.description ?? "?"); \(loop.sentence). Warm-up excluded; latencies in HDR histograms "
        out += "(3 significant digits); ratios are to the first backend, \(first ?? "-").\n\n"
        for workers in orderedUnique(report.results.map(\.workers)) {
            out += "## \(workers) worker\(workers == 1 ? "" : " processes")\n\n"
            out += "| op | backend | count | p50 µs | p95 µs | p99 µs | p99.9 µs | max µs | ops/s | p50 ×first | p99 ×first |\n"
            out += "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            let rows = report.results.filter { $0.workers == workers }
            // Grouped by operation, backends side by side, as in the terminal table.
            for r in orderedUnique(rows.map(\.op)).flatMap({ op in rows.filter { $0.op == op } }) {
                let reference = rows.first { $0.op == r.op && $0.backend == first }
                let cells = [
                    r.op, r.backend, "\(r.count)", fmt(r.p50_us), fmt(r.p95_us), fmt(r.p99_us), fmt(r.p999_us), fmt(r.max_us),
                    fmt(r.ops_per_s), BenchTable.ratio(r.p50_us, reference?.p50_us), BenchTable.ratio(r.p99_us, reference?.p99_us),
                ]
                out += "| " + cells.joined(separator: " | ") + " |\n"
            }
            for line in BenchTable.floorRatios(rows) { out += "\n" + line + "\n" }
            out += "\n"
        }
        let targets = BenchTargets.lines(report)
        if !targets.isEmpty { out += "## Targets\n\n" + targets.dropFirst().map { "-" + $0.dropFirst(1) }.joined(separator: "\n") + "\n\n" }
        if !comparison.isEmpty { out += "## Baseline\n\n" + comparison.map { "- " + $0 }.joined(separator: "\n") + "\n\n" }
        out += "## Plots\n\n" + plots.map { "![\($0)](\($0))" }.joined(separator: "\n") + "\n\n"
        out += "## Run\n\n" + BenchSession.memoryLine(outcome) + "\n\n"
        for key in report.meta.keys.sorted() { out += "- `\(key)`: \(report.meta[key]!)\n" }
        return out
    }
}
