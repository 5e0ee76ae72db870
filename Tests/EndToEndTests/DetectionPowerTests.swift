import Foundation
import OrdealModel
import OrdealSupport
import Testing

/// Detection power (docs/detection.md), end to end on the shipped scenario files: each row runs
/// `ordeal run Scenarios/S.yaml --worker 'ordeal-faulty-worker --fault F'`, a core with one known
/// bug, and must get the verdict the table promises: `fail` with the rule that names the bug, or
/// `unknown` with the premise that did not hold. The same scenarios with the real worker pass.
///
/// Serialized: the scenarios race leases, pauses and kills, which twenty runs at once disturb.
@Suite(.serialized) struct DetectionPowerTests {
    struct Row: CustomTestStringConvertible, Sendable {
        let scenario: String
        let fault: String
        /// The check that must not pass, and the rule its counterexample names (nil: none).
        let check: String
        let rule: String?
        /// The verdict of that check and of the scenario: `fail`, or `unknown` for a premise.
        var verdict = "fail"
        /// More arguments to `ordeal run` (`--enforce-thresholds`: a worker of one's own has its
        /// thresholds judged only when asked).
        var arguments: [String] = []
        var testDescription: String { "\(fault) on \(scenario)" }
    }

    static let rows: [Row] = [
        Row(scenario: "lease-zombie-holder", fault: "zombie-heartbeat", check: "lease-safety", rule: "work-after-lost-lease"),
        Row(scenario: "lease-zombie-holder", fault: "stale-renew", check: "lease-safety", rule: "stale-renewal-accepted"),
        Row(scenario: "lease-expiry-takeover", fault: "stale-complete", check: "lease-safety", rule: "stale-completion"),
        Row(scenario: "lease-expiry-takeover", fault: "coarse-lease-clock", check: "premise takeover", rule: nil, verdict: "unknown"),
        Row(
            scenario: "sweep-heartbeat-stall", fault: "long-sweep", check: "threshold lease.renew max <= 250 ms", rule: nil,
            arguments: ["--enforce-thresholds"]),
        Row(scenario: "sweep-renewal-race", fault: "sweep-race", check: "lease-safety", rule: "lease-lost-before-expiry"),
        Row(scenario: "lease-attempts", fault: "fail-one-attempt-early", check: "lease-safety", rule: "failed-before-max-attempts"),
        Row(scenario: "lease-attempts", fault: "never-fail-expired", check: "lease-safety", rule: "leases-beyond-max-attempts"),
        Row(scenario: "cache-concurrent-shapes", fault: "cache-key-ignores-field", check: "cache-answers", rule: "answer-shared"),
        Row(scenario: "cache-concurrent-shapes", fault: "no-single-flight", check: "effects-at-most-once", rule: "effect-repeated"),
        Row(scenario: "cache-ttl-rearm", fault: "ttl-not-rearmed", check: "expected-work", rule: "work-not-acknowledged"),
        Row(scenario: "tool-kill-inside-calls", fault: "tool-no-intent", check: "effects-at-most-once", rule: "effect-repeated"),
        Row(scenario: "tool-kill-inside-calls", fault: "silent-rerun", check: "effects-at-most-once", rule: "effect-repeated"),
        Row(scenario: "tool-kill-inside-calls", fault: "ignore-fail-policy", check: "effects-at-most-once", rule: "reran-under-fail-policy"),
        Row(scenario: "checkpoint-corrupt-resume", fault: "unchecked-snapshot", check: "integrity", rule: "corruption-unnoticed"),
        Row(scenario: "clock-skew-sweeper", fault: "unskewed-lease-clock", check: "premise takeover", rule: nil, verdict: "unknown"),
        Row(scenario: "checkpoint-retention", fault: "retention-drops-verified", check: "acked-durable", rule: "last-verified-checkpoint-deleted"),
        Row(scenario: "checkpoint-evidence-resume", fault: "resume-unverified", check: "resume-correct", rule: "resumed-from-unverified-checkpoint"),
        Row(scenario: "checkpoint-evidence-resume", fault: "resume-unverified", check: "integrity", rule: "corruption-unnoticed"),
        Row(scenario: "checkpoint-vacuous-evidence", fault: "unobserved-exit-holds", check: "integrity", rule: "vacuous-evidence-verified"),
        Row(scenario: "checkpoint-vacuous-evidence", fault: "empty-pack-verifies", check: "integrity", rule: "vacuous-evidence-verified"),
        Row(scenario: "checkpoint-vacuous-evidence", fault: "any-row-holds", check: "integrity", rule: "vacuous-evidence-verified"),
        Row(scenario: "checkpoint-vacuous-evidence", fault: "cached-verification", check: "integrity", rule: "stale-verification"),
        Row(scenario: "power-loss-task-ledger", fault: "ledger-apart", check: "acked-durable", rule: "checkpoint-outlived-tool-result"),
    ]

    static let scenarios = ForeignWorkerVerdictTests.scenarios

    /// `ordeal run` on one shipped scenario, with `worker` (a command line) or the real worker.
    static func run(_ scenario: String, worker: String?, _ extra: [String] = []) throws -> CheckersCatchFaultyWorkersTests.ScenarioOutcome {
        let dir = try Binaries.temporaryDirectory()
        let out = dir + "/out"
        var arguments = ["run", "\(scenarios)/\(scenario).yaml", "--out", out] + extra
        if let worker { arguments += ["--worker", worker] }
        let result = try Binaries.run(Binaries.ordeal, arguments)
        let report = try? JSONParser.parse(String(contentsOfFile: out + "/report.json", encoding: .utf8))
        return CheckersCatchFaultyWorkersTests.ScenarioOutcome(
            result: result, report: report, scenario: report?["scenarios"]?.arrayValue?.first, directory: dir)
    }

    @Test(arguments: rows)
    func aCoreWithTheBugDoesNotPass(_ row: Row) throws {
        let outcome = try Self.run(row.scenario, worker: "\(Binaries.faultyWorker) --fault \(row.fault)", row.arguments)
        let summary = outcome.summary
        let check = outcome.check(row.check)
        let status = row.verdict == "fail" ? ExitStatus.failed : ExitStatus.unknown
        #expect(outcome.result.status == status.rawValue, "\(summary)")
        #expect(outcome.scenario?["verdict"]?.stringValue == row.verdict, "\(summary)")
        #expect(check?["verdict"]?.stringValue == row.verdict, "\(summary)")
        if let rule = row.rule {
            let rules = (check?["counterexample"]?.arrayValue ?? []).compactMap { $0["rule"]?.stringValue }
            #expect(rules.contains(rule), "rules \(rules)\n\(summary)")
        }
    }

    @Test(arguments: Set(rows.map(\.scenario)).sorted())
    func theRealCorePassesTheSameScenario(_ scenario: String) throws {
        let outcome = try Self.run(scenario, worker: nil)
        let summary = outcome.summary
        #expect(outcome.result.status == ExitStatus.passed.rawValue, "\(summary)")
        #expect(outcome.scenario?["verdict"]?.stringValue == "pass", "\(summary)")
        let premises = (outcome.scenario?["checks"]?.arrayValue ?? []).filter { $0["name"]?.stringValue?.hasPrefix("premise ") == true }
        #expect(premises.allSatisfy { $0["verdict"]?.stringValue == "pass" }, "\(summary)")
    }

    /// A corrupt fault aimed at a worker whose acknowledgements carry no snapshot has nothing to
    /// damage: the run says so and the scenario is `unknown`, never `pass`.
    @Test func aCorruptFaultWithNothingToCorruptLeavesTheScenarioUnknown() throws {
        let dir = try Binaries.temporaryDirectory()
        let file = dir + "/nothing-to-corrupt.yaml"
        try """
            name: nothing-to-corrupt
            workers:
              - {name: writer, role: checkpoint-writer, params: {count: 40}}
            faults:
              - {kind: corrupt, target: writer, after_ops: 10}
            premises: [snapshot-corrupted]
            checks: [acked-durable, integrity]
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try Binaries.run(Binaries.ordeal, ["run", file, "--out", dir + "/out"])
        #expect(result.status == ExitStatus.unknown.rawValue, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("nothing to corrupt"), "\(result.stdout)")
        #expect(result.stdout.contains("premise snapshot-corrupted"), "\(result.stdout)")
    }

    /// An artifact corruption aimed at a runner whose steps name no artifact has nothing to
    /// damage; retention that stops before the tasks end never saw the case it is judged on:
    /// both leave their scenario `unknown`, never `pass`.
    @Test(arguments: [
        ("artifact-corrupted", "{kind: corrupt, of: artifact, target: runner, after_ops: 3}", "names no `artifact`"),
        ("retention-after-finish", "{kind: kill, target: runner, after_ops: 3}", "none of a task after it finished"),
    ])
    func aCheckpointPremiseThatDidNotHappenLeavesTheScenarioUnknown(_ premise: String, _ fault: String, _ said: String) throws {
        let dir = try Binaries.temporaryDirectory()
        let file = dir + "/premise.yaml"
        try """
            name: premise-\(premise)
            workers:
              - {name: runner, role: task-runner, params: {task: p, steps: 8, step-ms: 10}, restart: on-kill}
              - {name: retention, role: retention, params: {task: p, keep: 1, rounds: 1}}
            faults:
              - \(fault)
            premises: [\(premise)]
            checks: [acked-durable, resume-correct, integrity]
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try Binaries.run(Binaries.ordeal, ["run", file, "--out", dir + "/out"])
        #expect(result.status == ExitStatus.unknown.rawValue, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("premise \(premise)") && result.stdout.contains(said), "\(result.stdout)")
    }

    /// Checkpoints whose evidence is sound test no verifier's judgement of vacuous evidence: the
    /// premise `vacuous-evidence` leaves such a scenario `unknown`, never `pass`.
    @Test func soundEvidenceOnlyLeavesAVacuousEvidenceScenarioUnknown() throws {
        let dir = try Binaries.temporaryDirectory()
        let file = dir + "/sound.yaml"
        try """
            name: sound-evidence-only
            workers:
              - {name: writer, role: checkpoint-writer, params: {count: 10, evidence: exit}}
            premises: [vacuous-evidence]
            checks: [integrity]
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try Binaries.run(Binaries.ordeal, ["run", file, "--out", dir + "/out"])
        #expect(result.status == ExitStatus.unknown.rawValue, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("premise vacuous-evidence") && result.stdout.contains("no checkpoint was committed with evidence that proves nothing"), "\(result.stdout)")
    }
}
