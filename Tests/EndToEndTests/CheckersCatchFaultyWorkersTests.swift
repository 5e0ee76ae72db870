import OrdealReports
import OrdealCheckers
import OrdealSystem
import OrdealModel
import Foundation
import OrdealSupport
import Testing

/// Every checker, end to end: `ordeal run` on a scenario whose worker is `ordeal-faulty-worker
/// --fault NAME` (which breaks exactly the guarantee that checker judges) must exit 1 with that
/// check failed and a counterexample; the same scenario with the real `ordeal-worker` must exit
/// 0 with that check passed, so the failure comes from the fault, not from the scenario.
///
/// Serialized: several scenarios depend on timing (a lease outliving a pause, a recovery under
/// 500 ms), which a machine running twenty scenarios at once could disturb.
@Suite(.serialized) struct CheckersCatchFaultyWorkersTests {
    // MARK: acked-durable

    /// lost-ack: every 3rd checkpoint is acknowledged (seq 1,000,000 + n) but never stored.
    static func lostAck(_ command: String?) -> String {
        """
        name: faulty-lost-ack
        timeout: 20s
        workers:
          - name: writer
            role: checkpoint-writer
        \(command ?? "")
            params: {task: lost, count: 9}
        checks: [acked-durable, integrity, sequence-contiguous]
        """
    }

    @Test func ackedDurableFailsOnLostAcks() throws {
        try expectFailure(Self.lostAck, fault: "lost-ack", check: "acked-durable", rule: "acked-checkpoint-missing")
    }

    @Test func ackedDurablePassesWithTheRealWorker() throws {
        try expectPass(Self.lostAck, check: "acked-durable")
    }

    // MARK: sequence-contiguous

    /// dup-seq: every 3rd commit is acknowledged twice with the same sequence number.
    static func dupSeq(_ command: String?) -> String {
        """
        name: faulty-dup-seq
        timeout: 20s
        workers:
          - name: writer
            role: checkpoint-writer
        \(command ?? "")
            params: {task: dup, count: 9}
        checks: [acked-durable, integrity, sequence-contiguous]
        """
    }

    @Test func sequenceContiguousFailsOnDuplicateAcks() throws {
        try expectFailure(Self.dupSeq, fault: "dup-seq", check: "sequence-contiguous", rule: "seq-acked-twice")
    }

    @Test func sequenceContiguousPassesWithTheRealWorker() throws {
        try expectPass(Self.dupSeq, check: "sequence-contiguous")
    }

    // MARK: integrity

    /// corrupt-snapshot: the first stored snapshot is overwritten after its commit.
    static func corruptSnapshot(_ command: String?) -> String {
        """
        name: faulty-corrupt-snapshot
        timeout: 20s
        workers:
          - name: writer
            role: checkpoint-writer
        \(command ?? "")
            params: {task: corrupt, count: 5}
        checks: [integrity, sequence-contiguous]
        """
    }

    @Test func integrityFailsOnACorruptSnapshot() throws {
        try expectFailure(
            Self.corruptSnapshot, fault: "corrupt-snapshot", check: "integrity", rule: "snapshot-corrupt")
    }

    @Test func integrityPassesWithTheRealWorker() throws {
        try expectPass(Self.corruptSnapshot, check: "integrity")
    }

    // MARK: lease-safety

    /// stale-complete: the holder is paused (800 ms) past its 200 ms lease right after it
    /// acquires the only item; the taker takes it over with a higher token and completes it;
    /// the resumed holder then completes it too, with its stale token, which the faulty
    /// backend lets through. Only the holder runs the faulty command.
    static func staleComplete(_ command: String?) -> String {
        """
        name: faulty-stale-complete
        timeout: 20s
        workers:
          - name: holder
            role: lease-worker
        \(command ?? "")
            params: {items: 1, seed-items: "true", lease-ms: 200, work-ms: 100, holder: holder}
            restart: never
          - name: taker
            role: lease-worker
            params: {items: 1, seed-items: "false", lease-ms: 200, work-ms: 10, holder: taker, start-delay-ms: 100}
          - name: sweeper
            role: sweeper
            params: {interval-ms: 50, until-idle: "true"}
        faults:
          - kind: pause
            target: holder
            after_ops: 1
            op: lease.acquire
            duration: 800ms
        checks: [lease-safety, acked-durable, liveness, integrity]
        """
    }

    @Test func leaseSafetyFailsOnAStaleCompletion() throws {
        try expectFailure(Self.staleComplete, fault: "stale-complete", check: "lease-safety", rule: "stale-completion")
    }

    @Test func leaseSafetyPassesWithTheRealWorker() throws {
        let scenario = try expectPass(Self.staleComplete, check: "lease-safety")
        // The control really exercised the fencing: the resumed holder's completion was refused.
        let check = scenario.check("lease-safety")
        #expect((check?["measurements"]?["stale_refused"]?.doubleValue ?? 0) >= 1, "\(String(describing: check))")
    }

    // MARK: effects-at-most-once

    /// double-effect: every executed tool's effect line is appended a second time.
    static func doubleEffect(_ command: String?) -> String {
        """
        name: faulty-double-effect
        timeout: 20s
        workers:
          - name: tools
            role: tool-client
        \(command ?? "")
            params: {task: tools, count: 5}
        checks: [effects-at-most-once, integrity]
        """
    }

    @Test func effectsAtMostOnceFailsOnARepeatedEffect() throws {
        try expectFailure(
            Self.doubleEffect, fault: "double-effect", check: "effects-at-most-once", rule: "effect-repeated")
    }

    @Test func effectsAtMostOncePassesWithTheRealWorker() throws {
        try expectPass(Self.doubleEffect, check: "effects-at-most-once")
    }

    // MARK: resume-correct

    /// bad-resume: the task runner is killed after 3 acknowledged steps and restarted; the
    /// faulty one sees no verified checkpoint and starts again from step 0.
    static func badResume(_ command: String?) -> String {
        """
        name: faulty-bad-resume
        timeout: 20s
        workers:
          - name: runner
            role: task-runner
        \(command ?? "")
            params: {task: resume, steps: 10, step-ms: 20}
            restart: on-kill
        faults:
          - kind: kill
            target: runner
            after_ops: 3
            op: task.step
        checks: [resume-correct, integrity, sequence-contiguous]
        """
    }

    @Test func resumeCorrectFailsWhenARestartRedoesSteps() throws {
        try expectFailure(
            Self.badResume, fault: "bad-resume", check: "resume-correct", rule: "resumed-before-acknowledged-step")
    }

    @Test func resumeCorrectPassesWithTheRealWorker() throws {
        try expectPass(Self.badResume, check: "resume-correct")
    }

    // MARK: liveness

    /// never-finish: a lone lease worker acquires an item and exits 0 without completing it;
    /// with no sweeper, the item stays in progress.
    static func neverFinish(_ command: String?) -> String {
        """
        name: faulty-never-finish
        timeout: 20s
        workers:
          - name: leaser
            role: lease-worker
        \(command ?? "")
            params: {items: 2, lease-ms: 5000, work-ms: 10, holder: leaser}
        checks: [liveness, lease-safety, integrity]
        """
    }

    @Test func livenessFailsWhenAnItemNeverFinishes() throws {
        try expectFailure(Self.neverFinish, fault: "never-finish", check: "liveness", rule: "item-not-terminal")
    }

    @Test func livenessPassesWithTheRealWorker() throws {
        try expectPass(Self.neverFinish, check: "liveness")
    }

    // MARK: recovery-time

    /// slow-recovery: the writer is killed after 20 commits and restarted; the faulty one
    /// sleeps 2 s before its first operation, far over the 500 ms recovery threshold.
    static func slowRecovery(_ command: String?) -> String {
        """
        name: faulty-slow-recovery
        timeout: 20s
        workers:
          - name: writer
            role: checkpoint-writer
        \(command ?? "")
            params: {task: slow, count: 200}
            restart: on-kill
        faults:
          - kind: kill
            target: writer
            after_ops: 20
            op: checkpoint.commit
        checks: [acked-durable, integrity, sequence-contiguous, recovery-time]
        thresholds:
          - recovery: {p50: 500ms}
        """
    }

    @Test func recoveryTimeFailsOnASlowRestart() throws {
        try expectFailure(Self.slowRecovery, fault: "slow-recovery", check: "recovery-time", rule: "threshold-exceeded")
    }

    @Test func recoveryTimePassesWithTheRealWorker() throws {
        try expectPass(Self.slowRecovery, check: "recovery-time")
    }

    // MARK: bad input and unknown

    @Test func malformedScenarioExitsTwoNamingFileAndLineAndWritesNoReport() throws {
        let dir = try Binaries.temporaryDirectory()
        let file = dir + "/malformed.yaml"
        let out = dir + "/out"
        try """
        name: malformed
        workers:
          - name: writer
            role: checkpoint-writer
            params: {task: t, count: 3}
        bogus_key: 1
        checks: [acked-durable]
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try Binaries.run(Binaries.ordeal, ["run", file, "--out", out])
        #expect(result.status == ExitStatus.badInput.rawValue, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("\(file):6"), "\(result.stderr)")
        #expect(result.stderr.contains("bogus_key"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + "/report.json"))
        #expect(!FileManager.default.fileExists(atPath: out + "/report.md"))
    }

    @Test func aWorkerCommandThatCannotRunStopsTheRunBeforeAnythingStarts() throws {
        let dir = try Binaries.temporaryDirectory()
        let file = dir + "/bad-command.yaml"
        try """
        name: bad-command
        workers:
          - name: broken
            role: checkpoint-writer
            command: [/bin/false]
            params: {task: t, count: 3}
        checks: [acked-durable]
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try Binaries.run(Binaries.ordeal, ["run", file, "--out", dir + "/out"])
        #expect(result.status == ExitStatus.badInput.rawValue, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("the worker `/bin/false`") && result.stderr.contains("exited with 1"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/scenarios"), "nothing may run")
    }

    /// A worker that reads as the reader but never gets ready as a writer: the scenario is unknown.
    @Test func workerThatNeverBecomesReadyExitsThree() throws {
        let dir = try Binaries.temporaryDirectory()
        let file = dir + "/never-ready.yaml"
        let out = dir + "/out"
        try """
        name: never-ready
        timeout: 20s
        workers:
          - name: broken
            role: checkpoint-writer
            command: [sh, -c, 'if [ "$0" = reader ]; then exec \(Binaries.worker) "$0" "$@"; fi; exit 1']
            params: {task: t, count: 3}
        checks: [acked-durable]
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try Binaries.run(Binaries.ordeal, ["run", file, "--out", out])
        #expect(result.status == ExitStatus.unknown.rawValue, "\(result.stdout)\n\(result.stderr)")
        let report = try JSONParser.parse(String(contentsOfFile: out + "/report.json", encoding: .utf8))
        let scenario = report["scenarios"]?.arrayValue?.first
        #expect(scenario?["verdict"]?.stringValue == "unknown", "\(result.stdout)")
        let problems = (scenario?["problems"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(problems.contains { $0.contains("before it was ready") }, "\(problems)")
    }

    // MARK: Helpers

    struct ScenarioOutcome {
        var result: Binaries.Result
        var report: JSONValue?
        var scenario: JSONValue?
        var directory: String

        func check(_ name: String) -> JSONValue? {
            scenario?["checks"]?.arrayValue?.first { $0["name"]?.stringValue == name }
        }

        /// What to print when an expectation fails: the exit, the output and the checks.
        var summary: String {
            let checks = (scenario?["checks"]?.arrayValue ?? []).map {
                "\($0["name"]?.stringValue ?? "?"): \($0["verdict"]?.stringValue ?? "?") - \($0["detail"]?.stringValue ?? "")"
            }
            let problems = (scenario?["problems"]?.arrayValue ?? []).compactMap(\.stringValue)
            return """
                exit \(result.status) in \(directory)
                stdout: \(result.stdout)
                stderr: \(result.stderr)
                checks:\n  \(checks.joined(separator: "\n  "))
                problems: \(problems)
                """
        }
    }

    /// Writes the scenario (`yaml(commandLine)`, with the `command:` line for the faulty worker
    /// or nil for the real one) into a new folder and runs `ordeal run FILE --out DIR`.
    static func runScenario(_ yaml: (String?) -> String, fault: String?) throws -> ScenarioOutcome {
        let dir = try Binaries.temporaryDirectory()
        let file = dir + "/scenario.yaml"
        let out = dir + "/out"
        let command = fault.map { "    command: [\(quoted(Binaries.faultyWorker)), --fault, \($0)]" }
        try yaml(command).write(toFile: file, atomically: true, encoding: .utf8)
        let result = try Binaries.run(Binaries.ordeal, ["run", file, "--out", out])
        let reportPath = out + "/report.json"
        var report: JSONValue?
        if FileManager.default.fileExists(atPath: reportPath) {
            report = try JSONParser.parse(String(contentsOfFile: reportPath, encoding: .utf8))
        }
        return ScenarioOutcome(
            result: result, report: report, scenario: report?["scenarios"]?.arrayValue?.first, directory: dir)
    }

    /// A YAML double-quoted string.
    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Runs the scenario with `ordeal-faulty-worker --fault FAULT`: exit 1, scenario `fail`,
    /// `check` failed with a non-empty counterexample that shows `rule`.
    @discardableResult
    func expectFailure(
        _ yaml: (String?) -> String, fault: String, check name: String, rule: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> ScenarioOutcome {
        let outcome = try Self.runScenario(yaml, fault: fault)
        let summary = outcome.summary
        #expect(outcome.result.status == ExitStatus.failed.rawValue, "\(summary)", sourceLocation: sourceLocation)
        #expect(outcome.scenario?["verdict"]?.stringValue == "fail", "\(summary)", sourceLocation: sourceLocation)
        let check = outcome.check(name)
        #expect(check?["verdict"]?.stringValue == "fail", "\(summary)", sourceLocation: sourceLocation)
        let counterexample = check?["counterexample"]?.arrayValue ?? []
        #expect(!counterexample.isEmpty, "\(summary)", sourceLocation: sourceLocation)
        let rules = counterexample.compactMap { $0["rule"]?.stringValue }
        #expect(rules.contains(rule), "rules \(rules)\n\(summary)", sourceLocation: sourceLocation)
        return outcome
    }

    /// Runs the same scenario with the real `ordeal-worker`: exit 0, `check` passed.
    @discardableResult
    func expectPass(
        _ yaml: (String?) -> String, check name: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> ScenarioOutcome {
        let outcome = try Self.runScenario(yaml, fault: nil)
        let summary = outcome.summary
        #expect(outcome.result.status == ExitStatus.passed.rawValue, "\(summary)", sourceLocation: sourceLocation)
        #expect(outcome.scenario?["verdict"]?.stringValue == "pass", "\(summary)", sourceLocation: sourceLocation)
        #expect(outcome.check(name)?["verdict"]?.stringValue == "pass", "\(summary)", sourceLocation: sourceLocation)
        return outcome
    }
}
