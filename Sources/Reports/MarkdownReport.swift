import OrdealModel
import OrdealSupport

/// `report.md`: for a person. The verdict first, then a table of scenarios, how to verify the
/// run, then each scenario's checks (failures with their counterexamples), faults and
/// latencies, and the commands to replay. Every figure comes from the run. The scenarios one
/// file enumerates (`{enumerate: N}`) are one family: one row and one section with the count
/// per verdict and the worst figures, and a full section only for a member that did not pass
/// (every member's detail stays in report.json and report.html).
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
        let families = Family.group(report.scenarios)
        for family in families {
            guard let s = family.only else {
                md += "| \(family.name) (\(family.members.count) enumerated) | \(family.verdict.rawValue) (\(family.tally)) "
                md += "| \(family.checksPassed) | \(family.members.reduce(0) { $0 + $1.faults.count }) "
                md += "| \(family.members.reduce(0) { $0 + $1.acknowledged }) | worst \(family.worstRecovery.map { Format.micros($0.p50_us) } ?? "-") "
                md += "| \(Format.micros(family.members.reduce(0) { $0 + $1.durationMillis } * 1000)) |\n"
                continue
            }
            let passed = s.checks.filter { $0.verdict == .pass }.count
            let checks = s.notApplicable == nil ? "\(passed)/\(s.checks.count)" : "-"
            md += "| \(s.scenario.name) | \(s.verdict.rawValue) | \(checks) | \(s.faults.count) "
            md += "| \(s.acknowledged) | \(s.recovery.map { Format.micros($0.p50_us) } ?? "-") | \(Format.micros(s.durationMillis * 1000)) |\n"
        }
        md += "\nReplay: `\(report.replayCommand)`\n"
        md += "\n## Verify this run\n\n```sh\n\(VerifyInstructions.command(folder: report.folder, keyID: report.signingKeyID))\n```\n\n\(VerifyInstructions.explanation(keyID: report.signingKeyID))\n"
        md += limitations(report)
        for family in families {
            if let s = family.only {
                md += "\n" + section(s)
            } else {
                md += "\n" + familySection(family)
                for s in family.members where s.verdict != .pass { md += "\n" + section(s) }
            }
        }
        return md
    }

    /// An enumerated family in one section: its verdicts and its worst figures.
    private static func familySection(_ family: Family) -> String {
        var md = "## \(family.name) (\(family.members.count) enumerated): \(family.verdict.rawValue)\n\n"
        if let description = family.members.first?.scenario.description, !description.isEmpty { md += description + "\n\n" }
        md += "File `\(family.file)`: \(family.tally). Each member's checks, faults and latencies are in report.json and report.html"
        md += family.members.contains { $0.verdict != .pass } ? "; the members that did not pass follow in full.\n\n" : ".\n\n"
        md += "| worst | value | member |\n|---|---|---|\n"
        if let (s, d) = family.worst({ $0.durationMillis }) { md += "| duration | \(Format.micros(d * 1000)) | \(s.scenario.name) |\n" }
        if let (s, r) = family.worst({ $0.recovery?.p50_us }) { md += "| recovery p50 | \(Format.micros(r)) | \(s.scenario.name) |\n" }
        if let (s, r) = family.worst({ $0.recovery?.max_us }) { md += "| recovery max | \(Format.micros(r)) | \(s.scenario.name) |\n" }
        for op in Set(family.members.flatMap(\.latency.keys)).sorted() {
            if let (s, p) = family.worst({ $0.latency[op]?.p99_us }) { md += "| \(op) p99 | \(Format.micros(p)) | \(s.scenario.name) |\n" }
        }
        if let (s, n) = family.worst({ -Double($0.acknowledged) }) { md += "| fewest acknowledged ops | \(Int(-n)) | \(s.scenario.name) |\n" }
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
                    .map { "\($0.key) \(ReportText.figure($0.key, $0.value))" }.joined(separator: ", ")
                md += "| \(f.kind.rawValue) | \(f.target) | \(f.atMillis.map { "\(Format.short($0, 1)) ms" } ?? "never") "
                md += "| \(f.healedAtMillis.map { "\(Format.short($0, 1)) ms" } ?? "-") | \(effect.isEmpty ? "-" : effect) |\n"
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
            s.checks.filter(\.failedAsDeclared).map { (s, $0) }
        }
        guard !rows.isEmpty else { return "" }
        var md = "\n## Measured limitations\n\n| scenario | check | reason | measured |\n|---|---|---|---|\n"
        for (s, c) in rows {
            let figures = c.measurements.sorted { $0.key < $1.key }.map { "\($0.key) \(ReportText.figure($0.key, $0.value))" }
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
