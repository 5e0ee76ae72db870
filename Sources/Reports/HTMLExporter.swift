import OrdealModel
import OrdealSupport

/// `report.html`: `report.md`'s content in one self-contained page (inline style, no script,
/// no external file or font), with each scenario's plots inlined as SVG. The page is XHTML
/// compatible (void elements closed, text escaped), so an XML parser reads it too.
public struct HTMLExporter: ReportExporter {
    public var fileName: String { "report.html" }
    /// Counterexample items shown per failed check (the rest are in `report.json`).
    public var maxCounterexampleItems: Int

    public init(maxCounterexampleItems: Int = 20) { self.maxCounterexampleItems = maxCounterexampleItems }

    public func serialize(_ report: RunReport) throws -> [UInt8] { Array(render(report).utf8) }

    static let style = """
        body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px;
          padding: 0 1em; color: #1b1b1b; line-height: 1.45; }
        h1 { font-size: 1.6em; } h2 { margin-top: 2.2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
        table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
        th, td { border: 1px solid #d0d0d0; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
        th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
        code, pre { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.9em; }
        pre { background: #f6f6f6; border: 1px solid #e0e0e0; padding: 0.6em; overflow-x: auto; white-space: pre; }
        .verdict { font-weight: bold; padding: 0.05em 0.45em; border-radius: 0.3em; color: #ffffff; }
        .pass { background: #2e7d32; } .fail { background: #c62828; } .unknown { background: #ef6c00; } .not-applicable { background: #757575; }
        .problem { color: #c62828; } figure { margin: 1em 0; overflow-x: auto; }
        figcaption { font-size: 0.85em; color: #555555; } svg { max-width: none; }
        """

    public func render(_ report: RunReport) -> String {
        let verdict = report.verdict.rawValue
        var h = "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
        h += "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
        h += "<title>\(x("Ordeal run \(report.runID): \(verdict.uppercased())"))</title>\n"
        h += "<style>\n\(Self.style)\n</style>\n</head>\n<body>\n"
        h += "<h1>Ordeal run <code>\(x(report.runID))</code>: \(badge(report.verdict))</h1>\n"
        h += "<p>\(x(report.countsSentence)), in \(x(Format.micros(report.durationMillis * 1000))). "
        h += "Ordeal \(x(OrdealVersion.current)), started \(x(report.startedAt)).</p>\n"
        if let worker = report.worker { h += "<p>Judged: \(x(worker.summary)).</p>\n" }
        h += "<table>\n<tr><th>scenario</th><th>verdict</th><th>checks</th><th>faults</th><th>acknowledged ops</th>"
        h += "<th>recovery p50</th><th>duration</th></tr>\n"
        for (i, s) in report.scenarios.enumerated() {
            let passed = s.checks.filter { $0.verdict == .pass }.count
            h += "<tr><td><a href=\"#scenario-\(i)\">\(x(s.scenario.name))</a></td><td>\(badge(s.verdict))</td>"
            h += "<td class=\"num\">\(passed)/\(s.checks.count)</td><td class=\"num\">\(s.faults.count)</td>"
            h += "<td class=\"num\">\(s.acknowledged)</td><td class=\"num\">\(x(s.recovery.map { Format.micros($0.p50_us) } ?? "-"))</td>"
            h += "<td class=\"num\">\(x(Format.micros(s.durationMillis * 1000)))</td></tr>\n"
        }
        h += "</table>\n<p>Replay:</p>\n<pre>\(x(report.replayCommand))</pre>\n"
        h += "<h2>Verify this run</h2>\n<pre>\(x(VerifyInstructions.command(folder: report.folder, keyID: report.signingKeyID)))</pre>\n<p>\(x(VerifyInstructions.explanation(keyID: report.signingKeyID)))</p>\n"
        for (i, s) in report.scenarios.enumerated() { h += section(s, index: i) }
        h += "<hr/>\n<p><small>Written by Ordeal \(x(OrdealVersion.current)); report schema version "
        h += "\(RunReport.schemaVersion). The same figures are in report.json.</small></p>\n</body>\n</html>\n"
        return h
    }

    private func section(_ s: ScenarioResult, index: Int) -> String {
        var h = "<section id=\"scenario-\(index)\">\n<h2>\(x(s.scenario.name)): \(badge(s.verdict))</h2>\n"
        if !s.scenario.description.isEmpty { h += "<p>\(x(s.scenario.description))</p>\n" }
        h += "<p>File <code>\(x(s.scenario.sourcePath))</code>, seed \(s.seed), backend "
        h += "<code>\(x("\(s.scenario.backend):\(s.scenario.durability)"))</code>. "
        h += "History: <code>\(x(s.folder + "/history.jsonl"))</code>. Replay:</p>\n"
        h += "<pre>\(x("ordeal run \(s.scenario.sourcePath) --seed \(s.seed)"))</pre>\n"
        if let reason = s.notApplicable { return h + "<p><strong>Not applicable</strong>, not run: \(x(reason)).</p>\n</section>\n" }
        if !s.problems.isEmpty {
            h += "<ul>\n"
            for problem in s.problems { h += "<li class=\"problem\"><strong>harness problem</strong>: \(x(problem))</li>\n" }
            h += "</ul>\n"
        }
        h += "<h3>Checks</h3>\n<table>\n<tr><th>check</th><th>kind</th><th>verdict</th><th>detail</th></tr>\n"
        for c in s.checks.filter({ !$0.isPerformance }) + s.checks.filter(\.isPerformance) {
            let kind = c.isPerformance ? (s.performanceAdvisory ? "performance (advisory)" : "performance") : "correctness"
            h += "<tr><td>\(x(c.name))</td><td>\(kind)</td><td>\(badge(c.verdict))</td><td>\(x(c.detail))</td></tr>\n"
        }
        h += "</table>\n"
        for c in s.checks where c.verdict == .fail && !c.counterexample.isEmpty {
            h += "<p><strong>\(x(c.name))</strong> counterexample:</p>\n<pre>"
            var lines = c.counterexample.prefix(maxCounterexampleItems).map(ReportText.jsonLine)
            if c.counterexample.count > maxCounterexampleItems {
                lines.append("(\(c.counterexample.count - maxCounterexampleItems) more in report.json)")
            }
            h += x(lines.joined(separator: "\n")) + "</pre>\n"
        }
        if !s.faults.isEmpty {
            h += "<h3>Faults</h3>\n<table>\n<tr><th>fault</th><th>target</th><th>at</th><th>healed at</th></tr>\n"
            for f in s.faults {
                h += "<tr><td>\(x(f.kind.rawValue))</td><td>\(x(f.target))</td>"
                h += "<td class=\"num\">\(x(f.atMillis.map { Format.short($0, 1) + " ms" } ?? "never"))</td>"
                h += "<td class=\"num\">\(x(f.healedAtMillis.map { Format.short($0, 1) + " ms" } ?? "-"))</td></tr>\n"
            }
            h += "</table>\n"
        }
        h += "<h3>Latency</h3>\n"
        h += "<p>Operations: \(s.acknowledged) acknowledged, \(s.failed) failed, \(s.indeterminate) indeterminate.</p>\n"
        h += "<table>\n<tr><th>op</th><th>count</th><th>p50</th><th>p95</th><th>p99</th><th>p99.9</th><th>max</th></tr>\n"
        var rows = s.latency.sorted { $0.key < $1.key }
        if let recovery = s.recovery { rows.append(("recovery (kill to first ack)", recovery)) }
        for (op, l) in rows {
            h += "<tr><td>\(x(op))</td><td class=\"num\">\(l.count)</td>"
            for v in [l.p50_us, l.p95_us, l.p99_us, l.p999_us, l.max_us] {
                h += "<td class=\"num\">\(x(Format.micros(v)))</td>"
            }
            h += "</tr>\n"
        }
        h += "</table>\n"
        let phases = ReportPlots.phaseOrder.filter { s.latencyByPhase[$0] != nil }
            + s.latencyByPhase.keys.filter { !ReportPlots.phaseOrder.contains($0) }.sorted()
        if !phases.isEmpty {
            h += "<table>\n<tr><th>phase</th><th>op</th><th>count</th><th>p50</th><th>p95</th><th>p99</th></tr>\n"
            for phase in phases {
                for (op, l) in (s.latencyByPhase[phase] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    h += "<tr><td>\(x(phase))</td><td>\(x(op))</td><td class=\"num\">\(l.count)</td>"
                    for v in [l.p50_us, l.p95_us, l.p99_us] { h += "<td class=\"num\">\(x(Format.micros(v)))</td>" }
                    h += "</tr>\n"
                }
            }
            h += "</table>\n"
        }
        h += "<h3>Plots</h3>\n"
        for kind in ReportPlots.Kind.allCases {
            h += "<figure>\n" + ReportPlots.svg(kind, s) + "<figcaption>\(x(kind.title))</figcaption>\n</figure>\n"
        }
        h += "</section>\n"
        return h
    }

    private func badge(_ verdict: Verdict) -> String {
        "<span class=\"verdict \(verdict.rawValue)\">\(verdict.rawValue.uppercased())</span>"
    }

    private func x(_ text: String) -> String { XMLText.escape(text) }
}
