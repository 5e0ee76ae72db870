import OrdealReports
import OrdealCheckers
import OrdealSystem
import OrdealModel
@testable import OrdealRunner
import Testing

/// The scenario side of the faults below the process: their options, their errors, expected
/// failures and the enumeration of sync points.
@Suite struct ShimFaultScenarioTests {
    static let writer = """
        workers:
          - name: writer
            role: checkpoint-writer
        """

    static func load(_ faults: String, extra: String = "") throws -> Scenario {
        try ScenarioLoader.load(yaml: writer + "\nfaults:\n" + faults + extra, path: "Scenarios/s.yaml")
    }

    @Test func everyShimFaultReadsIntoItsOptions() throws {
        let scenario = try Self.load("""
              - {kind: disk-full, target: writer, after_ops: 5, duration: 300ms, errno: EDQUOT, budget: 64KB}
              - {kind: io-error, target: writer, at: 10ms, calls: [fsync, read], count: 2}
              - {kind: clock-skew, target: writer, at: 0ms, offset: -30s, mode: strobe, period: 100ms, clocks: [realtime, monotonic]}
              - {kind: clock-skew, target: writer, at: 0ms, offset: 1m, mode: drift, rate: 0.5}
              - {kind: power-loss, target: writer, sync_point: 7, restart_delay: 5ms}
              - {kind: power-loss, target: writer, sync_point: {random: [3, 9]}}
              - {kind: power-loss, target: writer, after_ops: 50}
            """)
        let f = scenario.faults
        #expect(f[0].options == .diskFull(errno: 122, budgetBytes: 65_536) && f[0].durationMillis == 300)
        #expect(f[1].options == .ioError(calls: [.fsync, .read], count: 2))
        #expect(f[2].options == .clockSkew(offsetMillis: -30_000, mode: .strobe, periodMillis: 100, rate: 0, clocks: [.realtime, .monotonic]))
        #expect(f[3].options == .clockSkew(offsetMillis: 60_000, mode: .drift, periodMillis: 0, rate: 0.5, clocks: [.realtime]))
        #expect(f[4].trigger == .syncPoint(.at(7)) && f[4].restartDelayMillis == 5 && f[4].options == .powerLoss)
        #expect(f[5].trigger == .syncPoint(.random(min: 3, max: 9)))
        #expect(f[6].trigger == .afterOps(count: 50, op: nil))
        #expect(f.allSatisfy { $0.kind.usesShim })
    }

    @Test func badShimFaultOptionsNameTheFieldAndTheFix() {
        let cases: [(String, String, String)] = [
            ("  - {kind: clock-skew, target: writer, at: 0ms}", "faults[0].offset", "missing; a clock-skew needs `offset`"),
            ("  - {kind: clock-skew, target: writer, at: 0ms, offset: 5m, period: 1s}", "faults[0].period", "applies to mode strobe only"),
            ("  - {kind: clock-skew, target: writer, at: 0ms, offset: 5m, mode: drift}", "faults[0].rate", "missing; a drift gains"),
            ("  - {kind: clock-skew, target: writer, at: 0ms, offset: 0s}", "faults[0].offset", "must not be 0"),
            ("  - {kind: disk-full, target: writer, at: 0ms, errno: EFOO}", "faults[0].errno", "unknown errno 'EFOO'; valid: ENOSPC, EDQUOT"),
            ("  - {kind: disk-full, target: writer, at: 0ms, budget: 3GBs}", "faults[0].budget", "is not a byte count"),
            ("  - {kind: io-error, target: writer, at: 0ms, calls: [sync]}", "faults[0].calls[0]", "unknown call 'sync'; valid: write, fsync, read"),
            ("  - {kind: kill, target: writer, sync_point: 3}", "faults[0].sync_point", "applies to power-loss only"),
            ("  - {kind: kill, target: writer, at: 0ms, errno: ENOSPC}", "faults[0].errno", "applies to disk-full only"),
            ("  - {kind: power-loss, target: writer, sync_point: {every: 3}}", "faults[0].sync_point.every", "unknown key 'every'"),
            ("  - {kind: power-loss, target: writer, at: 0ms, duration: 1s}", "faults[0].duration", "remove it (for power-loss"),
        ]
        for (fault, field, message) in cases {
            let problems = loaderProblems(Self.writer + "\nfaults:\n" + fault)
            #expect(problems.contains { $0.field == field && $0.message.contains(message) && $0.line == 5 }, "\(fault): \(problems)")
        }
    }

    @Test func expectedFailuresNeedAKnownListedCheckAndAReason() throws {
        let ok = try Self.load("  - {kind: power-loss, target: writer, after_ops: 5}\n", extra: """
            checks: [acked-durable, integrity]
            expected_failures:
              - {check: acked-durable, reason: normal loses commits}
            """)
        #expect(ok.expectedFailures == [ExpectedFailure(check: "acked-durable", reason: "normal loses commits")])
        let fault = "  - {kind: power-loss, target: writer, after_ops: 5}\n"
        let unlisted = loaderProblems(Self.writer + "\nfaults:\n" + fault + "checks: [integrity]\nexpected_failures: [{check: acked-durable, reason: r}]")
        #expect(unlisted.contains { $0.field == "expected_failures[0].check" && $0.message.contains("is not in `checks`") })
        let noReason = loaderProblems(Self.writer + "\nexpected_failures: [{check: integrity}]")
        #expect(noReason.contains { $0.field == "expected_failures[0]" && $0.message.contains("needs both `check` and `reason`") })
        let unknown = loaderProblems(Self.writer + "\nexpected_failures: [{check: durable, reason: r}]")
        #expect(unknown.contains { $0.field == "expected_failures[0].check" && $0.message.contains("unknown check 'durable'") })
    }

    @Test func aDeclaredFailureThatFailsPassesAndOneThatHoldsFails() {
        let declared = [ExpectedFailure(check: "acked-durable", reason: "normal loses commits")]
        let failed = CheckResult(name: "acked-durable", verdict: .fail, detail: "3 of 9 lost", measurements: ["lost_writes": 3])
        let limitation = ExpectedFailures.judge(failed, declared)
        #expect(limitation.verdict == .pass && limitation.expectedFailure == "normal loses commits")
        #expect(limitation.measurements["lost_writes"] == 3 && limitation.detail.contains("failed as declared"))
        let held = ExpectedFailures.judge(CheckResult(name: "acked-durable", verdict: .pass, detail: "all kept"), declared)
        #expect(held.verdict == .fail && held.detail.contains("but it held"))
        let unknown = ExpectedFailures.judge(CheckResult(name: "acked-durable", verdict: .unknown, detail: "?"), declared)
        #expect(unknown.verdict == .unknown)
        let other = ExpectedFailures.judge(failed, [ExpectedFailure(check: "integrity", reason: "r")])
        #expect(other.verdict == .fail && other.expectedFailure == nil)
    }

    @Test func anEnumeratedPowerLossBecomesOneScenarioPerSyncPoint() throws {
        let scenario = try Self.load("  - {kind: power-loss, target: writer, sync_point: {enumerate: 12}}\n")
        let runs = SuiteRunner.expandEnumerations(scenario)
        #expect(runs.count == 12)
        #expect(runs.map(\.name).first == "s.sync-01" && runs.map(\.name).last == "s.sync-12")
        #expect(runs.map { $0.faults[0].trigger } == (1...12).map { .syncPoint(.at($0)) })
        let plain = try Self.load("  - {kind: kill, target: writer, after_ops: 3}\n")
        #expect(SuiteRunner.expandEnumerations(plain) == [plain])
    }
}
