import Foundation
import OrdealModel
import OrdealReports
import OrdealSupport
import OrdealSystem

/// `ordeal worker check CMD`: a conformance run for people writing a worker. One short probe
/// per role (start, a few ops, a SIGKILL and a restart, the reader), each a small scenario run
/// through the same runner and checkers as the suite, with every line validated. A role the
/// worker does not declare is not probed, and said so. Clean only when every probe of a
/// declared role passed.
public enum WorkerCheck {
    /// A probe: the role it exercises and its scenario.
    public struct Probe: Sendable {
        public let role: String
        public let yaml: String
    }

    public static let probes: [Probe] = [
        Probe(role: "checkpoint-writer", yaml: """
            name: probe-checkpoint-writer
            description: two writers commit 300 checkpoints each to one task; one is killed after 5 and restarted
            timeout: 30s
            workers:
              - name: writer
                role: checkpoint-writer
                count: 2
                params: {task: probe, count: 300}
                restart: on-kill
            faults:
              - {kind: kill, target: writer-0, after_ops: 5, op: checkpoint.commit}
            checks: [acked-durable, integrity, sequence-contiguous, recovery-time]
            expect: [{op: checkpoint.commit, acknowledged: 600}]
            """),
        Probe(role: "task-runner", yaml: """
            name: probe-task-runner
            description: a task of 6 steps, killed after 2 acknowledged steps and restarted
            timeout: 30s
            workers:
              - name: runner
                role: task-runner
                params: {task: probe, steps: 6, step-ms: 25}
                restart: on-kill
            faults:
              - {kind: kill, target: runner, after_ops: 2, op: task.step}
            checks: [resume-correct, effects-at-most-once, acked-durable, integrity, recovery-time]
            expect: [{op: task.step, acknowledged: 6}, {op: task.finish, acknowledged: 1}]
            """),
        Probe(role: "lease-worker", yaml: """
            name: probe-lease-worker
            description: two lease workers share 10 items with 2 s leases
            timeout: 30s
            workers:
              - name: worker
                role: lease-worker
                count: 2
                params: {items: 10, lease-ms: 2000, work-ms: 2, seed-items: "true"}
            checks: [lease-safety, acked-durable, liveness, integrity]
            expect: [{op: lease.complete, acknowledged: 10}]
            """),
        Probe(role: "sweeper", yaml: """
            name: probe-sweeper
            description: 10 leases abandoned by their holder, one sweep recovers them, a worker completes them
            timeout: 30s
            workers:
              - name: abandon
                role: lease-worker
                params: {items: 10, prefix: probe, seed-items: "true", lease-ms: 1, abandon: "true"}
              - name: sweep
                role: sweeper
                params: {rounds: 1, expect-recovered: 10}
                after: abandon
              - name: finish
                role: lease-worker
                params: {seed-items: "false", lease-ms: 5000}
                after: sweep
            checks: [lease-safety, acked-durable, liveness, integrity]
            expect: [{op: sweep.run, group: sweep, total: {recovered: 10}}, {op: lease.complete, acknowledged: 10}]
            """),
        Probe(role: "retention", yaml: """
            name: probe-retention
            description: retention keeps each task's newest checkpoint beside a task of 8 steps, and cleans up once more after it ends
            timeout: 30s
            workers:
              - name: runner
                role: task-runner
                params: {task: probe, steps: 8, step-ms: 10}
              - name: retention
                role: retention
                params: {task: probe, keep: 1, interval-ms: 10}
            premises: [retention-after-finish]
            checks: [acked-durable, resume-correct, integrity]
            expect: [{op: task.step, acknowledged: 8}, {op: checkpoint.cleanup, group: retention, total: {deleted: 7}}]
            """),
        Probe(role: "cache-client", yaml: """
            name: probe-cache-client
            description: 30 generations, killed after 10 and restarted; then 30 hits in a new process
            timeout: 30s
            workers:
              - name: first
                role: cache-client
                params: {task: probe, count: 30, step-ms: 5}
                restart: on-kill
              - name: second
                role: cache-client
                params: {task: probe, count: 30}
                after: first
            faults:
              - {kind: kill, target: first, after_ops: 10, op: cache.generate}
            checks: [acked-durable, integrity, recovery-time]
            expect: [{op: cache.generate, group: first, acknowledged: 30}, {op: cache.hit, group: second, acknowledged: 30}]
            """),
        Probe(role: "tool-client", yaml: """
            name: probe-tool-client
            description: 30 tool calls with real effects, killed after 10 and restarted; then 30 replays
            timeout: 30s
            workers:
              - name: first
                role: tool-client
                params: {task: probe, count: 30, step-ms: 5}
                restart: on-kill
              - name: second
                role: tool-client
                params: {task: probe, count: 30}
                after: first
            faults:
              - {kind: kill, target: first, after_ops: 10, op: tool.execute}
            checks: [acked-durable, effects-at-most-once, integrity, recovery-time]
            expect: [{op: tool.execute, group: first, acknowledged: 30}, {op: tool.replay, group: second, acknowledged: 30}]
            """),
    ]

    /// One probe's finding.
    public struct Finding: Sendable {
        public let role: String
        public let verdict: Verdict
        /// What to fix, one line each: harness problems (protocol violations among them), then
        /// each check that did not pass.
        public let deviations: [String]
        public let folder: String
    }

    /// Runs every probe on `command` in `directory`; the findings, the worker's identity, and
    /// whether it is clean.
    public static func run(
        command: [String], workerPath: String, directory: String, backend: BackendOverride? = nil,
        progress: @escaping (String) -> Void
    ) throws -> (identity: WorkerIdentity?, findings: [Finding], clean: Bool) {
        let scenarioDirectory = directory + "/probes"
        try Posix.makeDirectories(scenarioDirectory)
        var scenarios: [Scenario] = []
        for probe in probes {
            let path = "\(scenarioDirectory)/\(probe.role).yaml"
            try Posix.writeAtomically(path, text: probe.yaml + "\n")
            scenarios.append(try ScenarioLoader.load(path: path))
        }
        var options = SuiteRunner.Options(
            scenarios: scenarios, paths: [scenarioDirectory], runDirectory: directory + "/run", latestLink: nil,
            seedOverride: nil, workerPath: workerPath, progress: progress)
        options.workerCommand = command
        options.backend = backend
        let report = try SuiteRunner(options: options).run()
        let findings = zip(probes, report.scenarios).map { probe, s in
            var deviations = s.notApplicable.map { ["not probed: \($0)"] } ?? []
            deviations += s.problems
            deviations += s.checks.filter { $0.verdict != .pass && !$0.isPerformance }.map { "\($0.name) \($0.verdict.rawValue): \($0.detail)" }
            return Finding(role: probe.role, verdict: s.verdict, deviations: deviations, folder: directory + "/run/" + s.folder)
        }
        let clean = findings.allSatisfy { $0.verdict == .pass || $0.verdict == .notApplicable }
            && findings.contains { $0.verdict == .pass }
        return (report.worker, findings, clean)
    }
}
