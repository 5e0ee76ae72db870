import OrdealSupport
import OrdealModel
import Foundation

/// The plots of a scenario, as SVG: latency over time with the fault windows shaded,
/// throughput over time, and latency percentiles per phase. They are inlined into
/// `report.html` and written as `plots/SCENARIO-*.svg` files linked from `report.md`.
public enum ReportPlots {
    /// The kinds of plot, in the order they appear; `rawValue` ends the file name.
    public enum Kind: String, Sendable, CaseIterable {
        case latency, throughput, phases

        public var title: String {
            switch self {
            case .latency: "latency over time"
            case .throughput: "throughput over time"
            case .phases: "latency by phase"
            }
        }
    }

    static let phaseOrder = ["before-fault", "during-fault", "between-faults", "after-recovery"]

    public static func svg(_ kind: Kind, _ s: ScenarioResult) -> String {
        switch kind {
        case .latency: latencyOverTime(s)
        case .throughput: throughputOverTime(s)
        case .phases: latencyByPhase(s)
        }
    }

    /// p50 latency of each op per plot bucket (a line per op, broken where a bucket had no
    /// acknowledged op), fault windows shaded. Log y, said in the axis label, when latencies
    /// span more than 30 times.
    public static func latencyOverTime(_ s: ScenarioResult) -> String {
        let ops = opNames(s)
        let series = ops.enumerated().compactMap { i, op -> SVGPlot.Series? in
            guard let timeline = s.latencyTimeline[op], !timeline.isEmpty else { return nil }
            return SVGPlot.Series(
                name: op, color: color(i),
                points: timeline.map { SVGPlot.Point(x: ($0.startMillis + s.plotBucketMillis / 2) / 1000, y: $0.p50_us) },
                maxGap: s.plotBucketMillis / 1000)
        }
        let yScale = scale(for: series.flatMap { $0.points.map(\.y) })
        var plot = SVGPlot(
            title: "\(s.scenario.name): p50 latency per \(Format.micros(s.plotBucketMillis * 1000))", xLabel: "time since the scenario started (s)",
            yLabel: yScale == .log ? "p50 latency (log scale)" : "p50 latency", series: series)
        plot.yScale = yScale
        plot.yTickLabel = { Format.micros($0) }
        decorateTime(&plot, s)
        return plot.render()
    }

    /// Acknowledged ops per plot bucket to the scenario's end, fault windows shaded.
    public static func throughputOverTime(_ s: ScenarioResult) -> String {
        let bucket = s.plotBucketMillis
        let counts = s.plotThroughput.isEmpty ? s.throughput : s.plotThroughput
        let width = s.plotThroughput.isEmpty ? 100 : bucket
        let points = counts.enumerated().map { i, count in
            SVGPlot.Point(x: (Double(i) * width + width / 2) / 1000, y: Double(count))
        }
        let per = Format.micros(width * 1000)
        var plot = SVGPlot(
            title: "\(s.scenario.name): throughput", xLabel: "time since the scenario started (s)",
            yLabel: "acknowledged ops per \(per)",
            series: points.isEmpty ? [] : [SVGPlot.Series(name: "acknowledged ops / \(per)", color: color(0), points: points)])
        plot.yTickLabel = { Format.short($0, 1) }
        decorateTime(&plot, s)
        return plot.render()
    }

    /// p50, p95 and p99 of each op in each phase (before, during and after the faults), as
    /// grouped bars.
    public static func latencyByPhase(_ s: ScenarioResult) -> String {
        let phases = phaseOrder.filter { s.latencyByPhase[$0] != nil }
            + s.latencyByPhase.keys.filter { !phaseOrder.contains($0) }.sorted()
        let ops = Set(s.latencyByPhase.values.flatMap(\.keys)).sorted()
        var categories: [String] = []
        var summaries: [LatencySummary] = []
        for op in ops {
            for phase in phases {
                guard let summary = s.latencyByPhase[phase]?[op] else { continue }
                categories.append("\(op)\n\(phase)")
                summaries.append(summary)
            }
        }
        let percentiles: [(String, KeyPath<LatencySummary, Double>)] = [("p50", \.p50_us), ("p95", \.p95_us), ("p99", \.p99_us)]
        let series = summaries.isEmpty ? [] : percentiles.enumerated().map { j, entry in
            SVGPlot.Series(
                name: entry.0, color: color(j),
                points: summaries.enumerated().map { i, summary in SVGPlot.Point(x: Double(i), y: summary[keyPath: entry.1]) },
                style: .bars)
        }
        var plot = SVGPlot(
            title: "\(s.scenario.name): latency percentiles by phase", xLabel: "op and phase", yLabel: "latency",
            series: series)
        plot.categories = categories
        plot.width = max(760, 110 + 92 * Double(categories.count))
        plot.yScale = scale(for: series.flatMap { $0.points.map(\.y) })
        plot.yTickLabel = { Format.micros($0) }
        return plot.render()
    }

    /// Every plot of every scenario, with its path relative to the run folder
    /// (`plots/SCENARIO-latency.svg`, `-throughput.svg`, `-phases.svg`).
    public static func files(for report: RunReport) -> [(path: String, svg: String)] {
        zip(report.scenarios, baseNames(report)).flatMap { s, base in
            Kind.allCases.map { kind in (path: "plots/\(base)-\(kind.rawValue).svg", svg: svg(kind, s)) }
        }
    }

    /// A `## Plots` section for `report.md` linking each scenario's plot files.
    public static func markdownLinks(for report: RunReport) -> String {
        guard !report.scenarios.isEmpty else { return "" }
        var md = "\n## Plots\n\n"
        for (s, base) in zip(report.scenarios, baseNames(report)) {
            let links = Kind.allCases.map { "[\($0.title)](plots/\(base)-\($0.rawValue).svg)" }
            md += "- \(s.scenario.name): \(links.joined(separator: ", "))\n"
        }
        return md
    }

    /// A file-safe name per scenario, unique within the run (`name`, `name-2`, ...).
    static func baseNames(_ report: RunReport) -> [String] {
        var seen: [String: Int] = [:]
        return report.scenarios.map { s in
            let base = ReportText.fileSafe(s.scenario.name)
            seen[base, default: 0] += 1
            let n = seen[base]!
            return n == 1 ? base : "\(base)-\(n)"
        }
    }

    /// The ops that have a latency timeline, sorted, so each keeps its color across plots.
    static func opNames(_ s: ScenarioResult) -> [String] { s.latencyTimeline.keys.sorted() }

    static func color(_ i: Int) -> String { SVGPlot.palette[i % SVGPlot.palette.count] }

    static func scale(for values: [Double]) -> SVGPlot.Scale {
        let positive = values.filter { $0 > 0 && $0.isFinite }
        guard let lo = positive.min(), let hi = positive.max() else { return .linear }
        return hi / lo > 30 ? .log : .linear
    }

    /// Seconds on x from 0 to the scenario's end, and a shaded band per fault.
    private static func decorateTime(_ plot: inout SVGPlot, _ s: ScenarioResult) {
        let end = max(s.durationMillis / 1000, Double(s.throughput.count) / 10, 0.1)
        plot.xRange = 0...end
        plot.xTickLabel = { Format.short($0, 2) }
        plot.bands = s.faults.compactMap { f in
            guard let at = f.atMillis else { return nil }
            return SVGPlot.Band(
                from: at / 1000, to: f.healedAtMillis.map { $0 / 1000 } ?? max(end, at / 1000),
                label: "\(f.kind.rawValue) \(f.target)\(f.healedAtMillis == nil ? " (not healed)" : "")")
        }
        plot.bandLegend = "fault active"
    }
}
