import OrdealSupport
import Testing

@testable import OrdealReports
import OrdealModel

/// report.md for people (issue #12, point 7): an enumerated family is one row and one section
/// with its worst figures, a member that did not pass keeps its full section, and both
/// report.md and report.html say how to verify the run.
@Suite struct ReadableReportTests {
    func member(_ i: Int, verdict: Verdict, millis: Double) -> ScenarioResult {
        let scenario = Scenario(
            name: String(format: "power.sync-%02d", i), sourcePath: "Scenarios/power.yaml", seed: UInt64(i),
            workers: [WorkerGroup(name: "writer", role: "checkpoint-writer")])
        var result = ScenarioResult(scenario: scenario, seed: UInt64(i), faults: [], problems: [], durationMillis: millis, folder: "scenarios/\(scenario.name)")
        result.verdict = verdict
        result.checks = [CheckResult(name: "acked-durable", verdict: verdict, detail: verdict == .pass ? "all held" : "2 of 80 lost")]
        result.acknowledged = 80 + i
        return result
    }

    func report(_ scenarios: [ScenarioResult], key: String? = nil) -> RunReport {
        var report = RunReport(
            runID: "r1", startedAt: "2026-01-01T00:00:00Z", seedOverride: nil, scenarios: scenarios, durationMillis: 9_000,
            replayCommand: "ordeal run")
        report.folder = "Reports/r1"
        report.signingKeyID = key
        return report
    }

    @Test func anEnumeratedFamilyIsOneRowAndOneSectionWithItsWorstFigures() {
        let members = (1...50).map { member($0, verdict: .pass, millis: Double($0)) }
        let md = MarkdownReport.render(report(members))
        #expect(md.contains("| power (50 enumerated) | pass (50 of 50 passed) |"), "\(md.prefix(600))")
        #expect(!md.contains("| power.sync-07 |"))
        #expect(md.contains("## power (50 enumerated): pass"))
        #expect(md.contains("| duration | 50 ms | power.sync-50 |") && md.contains("| fewest acknowledged ops | 81 | power.sync-01 |"), "\(md)")
        #expect(!md.contains("## power.sync-"), "no member's own section when all passed")
        #expect(md.split(separator: "\n").count < 60)
    }

    @Test func aMemberThatDidNotPassKeepsItsFullSection() {
        var members = (1...5).map { member($0, verdict: .pass, millis: 10) }
        members[2] = member(3, verdict: .fail, millis: 10)
        let md = MarkdownReport.render(report(members))
        #expect(md.contains("| power (5 enumerated) | fail (4 passed, 1 failed of 5) |"), "\(md.prefix(600))")
        #expect(md.contains("## power.sync-03: fail") && md.contains("2 of 80 lost"))
        #expect(!md.contains("## power.sync-01"))
    }

    @Test func bothReportsSayHowToVerifyTheRunAndWhetherItIsSigned() throws {
        let signed = report([member(1, verdict: .pass, millis: 1)], key: "abc123")
        for text in [MarkdownReport.render(signed), String(decoding: try HTMLExporter().serialize(signed), as: UTF8.self)] {
            #expect(text.contains("Verify this run") && text.contains("ordeal verify Reports/r1 --pubkey SIGNER.pub") && text.contains("abc123"))
        }
        let unsigned = MarkdownReport.render(report([member(1, verdict: .pass, millis: 1)]))
        #expect(unsigned.contains("ordeal verify Reports/r1 --integrity-only") && unsigned.contains("This run is not signed"))
    }
}

/// The words and figures every format shares (issue #12, point 9).
@Suite struct SharedWordingTests {
    @Test func aStatusLineIsCutToTheTerminalSoItNeverWraps() {
        let status = "kill9-recovery: 812 ms, 1 worker running, 2497 ops acknowledged, 2/3 faults"
        #expect(Format.fit(status, columns: 200) == status)
        let cut = Format.fit(status, columns: 30)
        #expect(cut.count == 30 && cut.hasSuffix("…") && status.hasPrefix(cut.dropLast()))
        #expect(Format.fit(status, columns: 0) == "")
    }

    /// A limitation's figures: counts without a spurious `.0`, microseconds as every latency is
    /// shown.
    @Test func figuresAreWrittenOneWay() {
        var limitation = CheckResult(
            name: "acked-durable", verdict: .pass, detail: "failed as declared", measurements: ["lost_writes": 3302, "p50_us": 16_752.6])
        limitation.expectedFailure = "durability normal loses acknowledged commits on power loss"
        var s = ReadableReportTests().member(1, verdict: .pass, millis: 1)
        s.checks = [limitation]
        let md = MarkdownReport.render(ReadableReportTests().report([s]))
        #expect(md.contains("lost_writes 3302, p50_us 16.8 ms"), "\(md)")
        #expect(!md.contains("3302.0") && !md.contains("16752.6"))
    }

    @Test func oneIsSingular() {
        #expect(Format.count(1, "scenario") == "1 scenario" && Format.count(3, "scenario") == "3 scenarios")
        var report = RunReport(runID: "r", startedAt: "t", seedOverride: nil, scenarios: [], durationMillis: 0, replayCommand: "ordeal run")
        report.complete = true
        #expect(report.countsSentence.hasPrefix("0 scenarios"))
    }
}
