import OrdealSystem
import OrdealSupport
import RecoveryCore

/// `task-runner --task T --steps N [--step-ms MS] --effects FILE`: runs task T with recovery.
/// Step i calls a tool through the ledger whose real effect appends `T:i` to FILE; the step's
/// evidence is the effects file and the tool's exit code. Each step is reported after its
/// checkpoint commits, with its seq and its snapshot as stored (what a `corrupt` fault damages);
/// a resumed run reports where it resumed.
enum TaskRunnerRole {
    static func run(options: WorkerOptions, backend: any RecoveryBackend, events: EventWriter) throws -> Int {
        let task = options.string("task", default: "task-1")
        let steps = try options.int("steps", default: 5)
        let stepMillis = try options.int("step-ms", default: 0)
        let effects = try options.string("effects")
        let runner = TaskRunner(backend: backend)
        let definition = (0..<steps).map { index in
            TaskStep(name: "step-\(index)") { context in
                if stepMillis > 0 { Posix.sleep(millis: stepMillis) }
                let call = ToolRequest(tool: "append", command: "\(task):\(index)", taskID: task)
                let result = try context.ledger.executeOrReplay(call, policy: context.toolPolicy) {
                    try Effects.append(effects, "\(task):\(index)")
                    return "{\"exit\":0}"
                }
                return StepOutcome(
                    state: ["done": .int(Int64(index)), "replayed": .bool(result.replayed)],
                    evidence: EvidencePack([
                        .artifactExists(path: effects, kind: .file),
                        .commandExit(command: call.command, expected: 0, observed: 0),
                    ]))
            }
        }
        var started = Posix.monotonicNanos()
        let report = try runner.run(taskID: task, steps: definition) { checkpoint in
            let now = Posix.monotonicNanos()
            events.op(
                "task.step", key: task, outcome: .ok, latencyNanos: now - started,
                value: [
                    "step": checkpoint.snapshot["step"] ?? .null, "seq": .int(checkpoint.sequence),
                    "snapshot": .string(checkpoint.snapshotJSON),
                ])
            started = now
        }
        events.op(
            "task.finish", key: task, outcome: report.state == .succeeded ? .ok : .fail, latencyNanos: 0,
            value: [
                "state": .string(report.state.rawValue), "first_step": .int(Int64(report.firstStep)),
                "resumed_from_seq": report.resumedFromSequence.map { .int($0) } ?? .null,
                "steps_run": .int(Int64(report.stepsRun.count)),
            ])
        return report.stepsRun.count
    }
}
