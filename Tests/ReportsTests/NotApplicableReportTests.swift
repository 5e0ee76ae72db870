import Foundation
import OrdealSupport
import Testing
import OrdealModel
import OrdealCheckers
import OrdealReports

/// A not-applicable scenario and advisory performance checks, as every format shows them.
@Suite struct NotApplicableAndPerformanceReportTests {
    static func report() -> RunReport {
        var slow = CheckResult(name: "threshold worker.ready p50 <= 20 ms", verdict: .fail, detail: "worker.ready p50 = 180 ms")
        slow.isPerformance = true
        var judged = ScenarioResult(
            scenario: Scenario(name: "judged", workers: [WorkerGroup(name: "writer", role: "checkpoint-writer")]), seed: 7,
            faults: [], problems: [], durationMillis: 100, folder: "scenarios/judged")
        judged.checks = [CheckResult(name: "acked-durable", verdict: .pass, detail: "ok"), slow]
        judged.performanceAdvisory = true
        judged.verdict = .pass
        let skipped = ScenarioResult.notApplicable(
            scenario: Scenario(name: "leases", workers: [WorkerGroup(name: "w", role: "lease-worker")]), seed: 1,
            reason: "the worker does not declare role lease-worker", folder: "scenarios/leases")
        var report = RunReport(
            runID: "r", startedAt: "2025-01-01T00:00:00Z", seedOverride: nil, scenarios: [judged, skipped], durationMillis: 10,
            replayCommand: "ordeal run")
        report.worker = WorkerIdentity(command: ["python3", "a.py"], protocolVersion: 2, coreName: "mycore", coreVersion: "1")
        return report
    }

    @Test func everyFormatCountsTheNotApplicableScenarioApartAndNamesTheCore() throws {
        let report = Self.report()
        #expect(report.verdict == .pass)
        let markdown = text(try MarkdownExporter().serialize(report))
        #expect(markdown.contains("2 scenarios: 1 passed, 0 failed, 0 unknown, 1 not applicable (1 judged the worker)"))
        #expect(markdown.contains("Judged: core mycore 1, protocol 2, worker `python3 a.py`"))
        #expect(markdown.contains("**Not applicable**, not run: the worker does not declare role lease-worker"))
        #expect(markdown.contains("| threshold worker.ready p50 <= 20 ms | performance | fail |"))
        let html = text(try HTMLExporter().serialize(report))
        #expect(html.contains("1 not applicable") && html.contains("performance (advisory)"))
        let junit = text(try JUnitExporter().serialize(report))
        #expect(junit.contains("failures=\"0\"") && junit.contains("skipped=\"1\""))
        #expect(junit.contains("performance, not deciding the verdict: fail"))
        let json = report.json
        #expect(json["counts"]?["not-applicable"]?.intValue == 1)
        #expect(json["scenarios"]?.arrayValue?.last?["verdict"]?.stringValue == "not-applicable")
        // The schema knows the new fields (the environment of this hand-made report is not a real one).
        let schema = try JSONSchema(JSONParser.parse(ReportSchema.text))
        #expect(schema.validate(json).filter { !$0.hasPrefix("$.environment") } == [])
    }

    @Test func requireAllFailsARunWithANotApplicableScenario() {
        var report = Self.report()
        report.requireAll = true
        #expect(report.verdict == .fail)
        #expect(report.exitStatus == .failed)
    }
}

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
