import OrdealModel
import OrdealSupport

/// `report.md`: for a person. The verdict first, then a table of scenarios, then each
/// scenario's checks (failures with their counterexamples), faults and latencies, and the
/// commands to replay. Every figure comes from the run.
enum MarkdownReport {
    static func render(_ report: RunReport) -> String {
        var md = "# Ordeal run \(report.runID): **\(report.verdict.rawValue.uppercased())**\n\n"
        if !report.complete {
            md += "**This run is not complete**: it is still going, or it was stopped; the verdict stays unknown.\n\n"
        }
        md += report.countsSentence + ", in \(Format.micros(report.durationMillis * 1000)). "
        md += "Ordeal \(OrdealVersion.current), started \(report.startedAt).\n\n"
        if let worker = report.worker { md += "Judged: \(escape(worker.summary)).\n\n" }
        md += "| scenario | verdict | checks | faults | acknowledged ops | recovery p50 | duration |\n"
        md += "|---|---|---|---|---|---|---|\n"
        for s in report.scenarios {
            let passed = s.checks.filter { $0.verdict == .pass }.count
            let checks = s.notApplicable == nil ? "\(passed)/\(s.checks.count)" : "-"
            md += "| \(s.scenario.name) | \(s.verdict.rawValue) | \(checks) | \(s.faults.count) "
            md += "| \(s.acknowledged) | \(s.recovery.map { Format.micros($0.p50_us) } ?? "-") | \(Format.micros(s.durationMillis * 1000)) |\n"
        }
        md += "\nReplay: `\(report.replayCommand)`\n"
        md += limitations(report)
        for s in report.scenarios { md += "\n" + section(s) }
        return md
    }

    private static func section(_ s: ScenarioResult) -> String {
        var md = "## \(s.scenario.name): \(s.verdict.rawValue)\n\n"
        if !s.scenario.description.isEmpty { md += s.scenario.description + "\n\n" }
        md += "File `\(s.scenario.sourcePath)`, seed \(s.seed), backend \(s.scenario.backend):\(s.scenario.durability). "
        md += "Replay: `ordeal run \(s.scenario.sourcePath) --seed \(s.seed)`. History: `\(s.folder)/history.jsonl`.\n\n"
        if let reason = s.notApplicable { return md + "**Not applicable**, not run: \(escape(reason)).\n" }
        for problem in s.problems { md += "- **harness problem**: \(problem)\n" }
        if !s.problems.isEmpty { md += "\n" }
        if s.performanceAdvisory {
            md += "Performance checks are reported and do not decide the verdict (a worker of your own; `--enforce-thresholds` makes them count).\n\n"
        }
        md += "| check | kind | verdict | detail |\n|---|---|---|---|\n"
        for c in s.checks.filter({ !$0.isPerformance }) + s.checks.filter(\.isPerformance) {
            md += "| \(c.name) | \(c.isPerformance ? "performance" : "correctness") | \(c.verdict.rawValue) | \(escape(c.detail)) |\n"
        }
        for c in s.checks where c.verdict == .fail && !c.counterexample.isEmpty {
            md += "\n**\(c.name)** counterexample:\n\n```json\n"
            for item in c.counterexample.prefix(10) { md += ((try? CanonicalJSON.string(item)) ?? "?") + "\n" }
            md += "```\n"
        }
        if !s.faults.isEmpty {
            md += "\n| fault | target | at | healed at | effect |\n|---|---|---|---|---|\n"
            for f in s.faults {
                let effect = (s.faultEffects[f.index] ?? [:]).sorted { $0.key < $1.key }
                    .map { "\($0.key) \(Format.round1($0.value))" }.joined(separator: ", ")
                md += "| \(f.kind.rawValue) | \(f.target) | \(f.atMillis.map { "\(Format.round1($0)) ms" } ?? "never") "
                md += "| \(f.healedAtMillis.map { "\(Format.round1($0)) ms" } ?? "-") | \(effect.isEmpty ? "-" : effect) |\n"
            }
            md += shimLines(s)
        }
        md += "\nOperations: \(s.acknowledged) acknowledged, \(s.failed) failed, \(s.indeterminate) indeterminate.\n\n"
        md += "| op | count | p50 | p95 | p99 | p99.9 | max |\n|---|---|---|---|---|---|---|\n"
        var rows = s.latency.sorted { $0.key < $1.key }
        if let recovery = s.recovery { rows.append(("recovery (kill to first ack)", recovery)) }
        for (op, l) in rows {
            md += "| \(op) | \(l.count) | \(Format.micros(l.p50_us)) | \(Format.micros(l.p95_us)) | \(Format.micros(l.p99_us)) "
            md += "| \(Format.micros(l.p999_us)) | \(Format.micros(l.max_us)) |\n"
        }
        return md
    }

    /// Checks declared expected to fail that did: what the system is known not to do, with the
    /// figures the run measured.
    private static func limitations(_ report: RunReport) -> String {
        let rows = report.scenarios.flatMap { s in
            s.checks.filter { $0.expectedFailure != nil && $0.verdict == .pass }.map { (s, $0) }
        }
        guard !rows.isEmpty else { return "" }
        var md = "\n## Measured limitations\n\n| scenario | check | reason | measured |\n|---|---|---|---|\n"
        for (s, c) in rows {
            let figures = c.measurements.sorted { $0.key < $1.key }.map { "\($0.key) \(Format.round1($0.value))" }
            md += "| \(s.scenario.name) | \(c.name) | \(escape(c.expectedFailure ?? "")) | \(figures.joined(separator: ", ")) |\n"
        }
        return md
    }

    /// What the fault shim did: calls hit, files rolled back, and the first call site.
    private static func shimLines(_ s: ScenarioResult) -> String {
        var md = ""
        for f in s.faults where !f.effects.isEmpty {
            var parts: [String] = []
            if let hits = f.effects["hits"]?.intValue { parts.append("\(hits) calls hit") }
            if let k = f.effects["sync_point"]?.intValue { parts.append("cut before sync point \(k)") }
            if let rollback = f.effects["rollback"] {
                let restored = (rollback["files_restored"]?.arrayValue ?? []).compactMap(\.stringValue)
                let removed = (rollback["files_removed"]?.arrayValue ?? []).compactMap(\.stringValue)
                let recreated = (rollback["files_recreated"]?.arrayValue ?? []).compactMap(\.stringValue)
                parts.append("rolled back \(rollback["unsynced_changes"]?.intValue ?? 0) unsynced changes in \(restored.joined(separator: ", ")); removed \(removed.isEmpty ? "none" : removed.joined(separator: ", ")); brought back \(recreated.isEmpty ? "none" : recreated.joined(separator: ", "))")
            }
            md += "- fault \(f.index) (\(f.kind.rawValue)): \(parts.joined(separator: "; "))\n"
            if let site = f.effects["call_sites"]?.arrayValue?.first {
                let frames = (site["frames"]?.arrayValue ?? []).compactMap(\.stringValue).prefix(8)
                md += "  first call site, `\(site["call"]?.stringValue ?? "?")` from:\n\n  ```\n" + frames.map { "  \($0)\n" }.joined() + "  ```\n"
            }
        }
        return md.isEmpty ? "" : "\nWhat the fault shim did:\n\n" + md
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
