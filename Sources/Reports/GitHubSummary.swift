import OrdealSupport
import OrdealModel
/// What `ordeal run` gives GitHub Actions: a compact Markdown summary for
/// `$GITHUB_STEP_SUMMARY` (which GitHub caps at 1 MiB per step) and `::error` workflow
/// commands that annotate the run with the checks that did not pass.
public enum GitHubSummary {
    /// GitHub's limit on one step's summary.
    public static let maxBytes = 1024 * 1024
    /// GitHub shows at most 10 error annotations per step.
    public static let maxAnnotations = 10

    /// The verdict, a table of scenarios, and the checks that did not pass (detail, first
    /// counterexample lines). Never more than `maxBytes` of UTF-8: cut at a line boundary,
    /// with a note saying so.
    public static func markdown(_ report: RunReport, maxBytes: Int = maxBytes) -> String {
        var lines: [String] = []
        lines.append("## \(icon(report.verdict)) Ordeal run `\(code(report.runID))`: **\(report.verdict.rawValue.uppercased())**")
        lines.append("")
        lines.append(
            report.countsSentence + ", in \(Format.micros(report.durationMillis * 1000)).")
        lines.append("")
        lines.append("| scenario | verdict | checks passed | acknowledged ops | recovery p50 | duration |")
        lines.append("|---|---|---|---|---|---|")
        for s in report.scenarios {
            let passed = s.checks.filter { $0.verdict == .pass }.count
            lines.append(
                "| \(cell(s.scenario.name)) | \(icon(s.verdict)) \(s.verdict.rawValue) | \(passed)/\(s.checks.count) "
                    + "| \(s.acknowledged) | \(s.recovery.map { Format.micros($0.p50_us) } ?? "-") "
                    + "| \(Format.micros(s.durationMillis * 1000)) |")
        }
        let troubled = report.scenarios.filter { $0.verdict != .pass }
        if !troubled.isEmpty {
            lines.append("")
            lines.append("### Not passed")
        }
        for s in troubled {
            lines.append("")
            lines.append("**\(cell(s.scenario.name))** (seed \(s.seed)): replay with `\(code("ordeal run \(s.scenario.sourcePath) --seed \(s.seed)"))`")
            lines.append("")
            for problem in s.problems { lines.append("- harness problem: \(oneLine(problem, 500))") }
            for c in s.checks where c.verdict != .pass {
                lines.append("- \(icon(c.verdict)) **\(cell(c.name))** \(c.verdict.rawValue): \(oneLine(c.detail, 500))")
                if c.verdict == .fail, !c.counterexample.isEmpty {
                    lines.append("  ```json")
                    for item in c.counterexample.prefix(3) {
                        lines.append("  " + ReportText.clip(cell(String(ReportText.jsonLine(item).prefix(401)), markdown: false), 400))
                    }
                    lines.append("  ```")
                }
            }
        }
        lines.append("")
        lines.append("Replay the run: `\(code(report.replayCommand))`. Full report: `report.md`, `report.html`, `junit.xml`.")
        return fit(lines, maxBytes: maxBytes)
    }

    /// At most `maxAnnotations` `::error` commands, failed checks first, then unknown checks
    /// and harness problems; when there are more, the last one says how many were left out.
    public static func annotations(_ report: RunReport) -> [String] {
        var failed: [(title: String, message: String)] = []
        var unknown: [(title: String, message: String)] = []
        for s in report.scenarios {
            if !s.problems.isEmpty {
                unknown.append(("ordeal \(s.scenario.name): harness", s.problems.joined(separator: "\n")))
            }
            for c in s.checks where c.verdict != .pass {
                var message = "\(c.verdict.rawValue): \(c.detail)"
                message += "\nreplay: ordeal run \(s.scenario.sourcePath) --seed \(s.seed)"
                let entry = (title: "ordeal \(s.scenario.name): \(c.name)", message: message)
                if c.verdict == .fail { failed.append(entry) } else { unknown.append(entry) }
            }
        }
        var all = failed + unknown
        if all.count > maxAnnotations {
            let left = all.count - (maxAnnotations - 1)
            all = Array(all.prefix(maxAnnotations - 1))
            all.append(("ordeal: \(left) more checks did not pass", "see report.md or junit.xml in the run folder"))
        }
        return all.map { "::error title=\(property(ReportText.clip($0.title, 200)))::\(data(ReportText.clip($0.message, 2000)))" }
    }

    /// A workflow command's message: `%`, CR and LF percent-encoded, other control characters
    /// (but tab) left out.
    public static func data(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "%": out += "%25"
            case "\r": out += "%0D"
            case "\n": out += "%0A"
            default: if XMLText.isSafe(scalar) { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    /// A workflow command's property value: as `data`, plus `:` and `,`.
    public static func property(_ text: String) -> String {
        var out = ""
        for scalar in data(text).unicodeScalars {
            switch scalar {
            case ":": out += "%3A"
            case ",": out += "%2C"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The lines joined, cut before the first line that would take the text (and the note)
    /// past `maxBytes`.
    static func fit(_ lines: [String], maxBytes: Int) -> String {
        let full = lines.joined(separator: "\n") + "\n"
        let total = full.utf8.count
        guard total > maxBytes else { return full }
        let note = "\n> **Summary truncated** at \(maxBytes) bytes (of \(total)): see `report.md` in the run folder.\n"
        let fence = "  ```\n"
        let budget = maxBytes - note.utf8.count - fence.utf8.count
        var out = ""
        var size = 0
        var inFence = false
        for line in lines {
            let n = line.utf8.count + 1
            if size + n > budget { break }
            out += line + "\n"
            size += n
            if line.drop(while: { $0 == " " }).hasPrefix("```") { inFence.toggle() }
        }
        if inFence { out += fence }
        return out + note
    }

    private static func icon(_ verdict: Verdict) -> String {
        switch verdict {
        case .pass: "✅"
        case .fail: "❌"
        case .unknown: "⚠️"
        case .notApplicable: "➖"
        }
    }

    /// Text on one line, for a table cell or a list item.
    private static func oneLine(_ text: String, _ limit: Int) -> String {
        ReportText.clip(cell(String(text.prefix(limit + 1))), limit)
    }

    /// `text` on one line, without control characters; for Markdown text (`markdown: true`)
    /// also with `|` escaped for tables and `& < >` as entities, so nothing reads as HTML; for
    /// code (`markdown: false`) with backticks turned into quotes.
    private static func cell(_ text: String, markdown: Bool = true) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n", "\r", "\t": out.append(" ")
            case "|" where markdown: out.append(contentsOf: "\\|".unicodeScalars)
            case "&" where markdown: out.append(contentsOf: "&amp;".unicodeScalars)
            case "<" where markdown: out.append(contentsOf: "&lt;".unicodeScalars)
            case ">" where markdown: out.append(contentsOf: "&gt;".unicodeScalars)
            case "`" where !markdown: out.append("'")
            default: if XMLText.isSafe(scalar) { out.append(scalar) }
            }
        }
        return String(out)
    }

    /// `text` for an inline code span: on one line, without backticks.
    private static func code(_ text: String) -> String {
        ReportText.clip(cell(String(text.prefix(1001)), markdown: false), 1000)
    }
}

