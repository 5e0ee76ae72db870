import BenchKit
/// `report.md` of a bench run folder: the same figures as the terminal table.
public enum BenchMarkdown {
    public static func render(_ outcome: BenchOutcome, loop: LoopMode, plots: [String], comparison: [String]) -> String {
        let report = outcome.report
        let first = report.results.first?.backend
        var out = "# ordeal bench\n\n"
        out += "Backends: \(report.meta["backends"]?.description ?? "?"); \(loop.sentence). Warm-up excluded; latencies in HDR histograms "
        out += "(3 significant digits); ratios are to the first backend, \(first ?? "-").\n\n"
        // The terminal table's sections, lines and cells (BenchTable.sections).
        for section in BenchTable.sections(report) {
            out += "## \(section.workers) worker\(section.workers == 1 ? "" : " processes")\n\n"
            out += "| " + BenchTable.header.joined(separator: " | ") + " |\n"
            out += "|---|---|" + String(repeating: "---:|", count: BenchTable.header.count - 2) + "\n"
            for line in section.lines { out += "| " + ([line.row.op] + line.cells).joined(separator: " | ") + " |\n" }
            for line in BenchTable.floorRatios(section.rows) { out += "\n" + line + "\n" }
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
