import BenchKit
import OrdealSupport

/// The SVG plots of a bench run, drawn with the reports' `SVGPlot`.
public enum BenchPlots {
    /// Every plot, with its path relative to the run folder.
    public static func files(_ report: BenchReport) -> [(path: String, svg: String)] {
        var files = [(path: "plots/latency-p50.svg", svg: latencyBars(report))]
        // Worker-process runs: throughput against P99 through the worker counts.
        if report.meta["workers_in"]?.text == "worker processes" {
            for op in orderedUnique(report.results.map(\.op)) {
                files.append((path: "plots/throughput-p99-\(op).svg", svg: throughputAgainstP99(report, op: op)))
            }
        }
        return files
    }

    /// P50 of every operation, one bar per backend (the fewest workers measured), log scale.
    static func latencyBars(_ report: BenchReport) -> String {
        let fewest = report.results.map(\.workers).min() ?? 1
        let rows = report.results.filter { $0.workers == fewest }
        let ops = orderedUnique(rows.map(\.op))
        let series = orderedUnique(rows.map(\.backend)).enumerated().map { n, backend in
            SVGPlot.Series(
                name: backend, color: SVGPlot.palette[n % SVGPlot.palette.count],
                points: ops.enumerated().compactMap { i, op in
                    rows.first { $0.op == op && $0.backend == backend }.map { SVGPlot.Point(x: Double(i), y: $0.p50_us) }
                }, style: .bars)
        }
        var plot = SVGPlot(title: "P50 latency by operation (\(fewest) worker\(fewest == 1 ? "" : "s"))", xLabel: "operation", yLabel: "P50 latency (log scale)", series: series)
        plot.categories = ops.map { $0.replacingOccurrences(of: ".", with: ".\n") }
        plot.width = max(760, 110 + 70 * Double(ops.count))
        plot.yScale = .log
        plot.yTickLabel = { Format.micros($0) }
        return plot.render()
    }

    /// Throughput against P99 for one operation: one line per backend through its worker counts.
    static func throughputAgainstP99(_ report: BenchReport, op: String) -> String {
        let rows = report.results.filter { $0.op == op }
        let series = orderedUnique(rows.map(\.backend)).enumerated().map { n, backend in
            SVGPlot.Series(
                name: backend + " (" + rows.filter { $0.backend == backend }.map { "\($0.workers)" }.joined(separator: ", ") + " workers)",
                color: SVGPlot.palette[n % SVGPlot.palette.count],
                points: rows.filter { $0.backend == backend }.map { SVGPlot.Point(x: $0.ops_per_s, y: $0.p99_us) })
        }
        var plot = SVGPlot(title: "\(op): throughput against P99 by worker processes", xLabel: "operations per second, all workers", yLabel: "P99 latency (log scale)", series: series)
        plot.yScale = .log
        plot.yTickLabel = { Format.micros($0) }
        return plot.render()
    }
}
