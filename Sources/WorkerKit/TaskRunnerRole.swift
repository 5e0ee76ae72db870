import OrdealSystem
import OrdealSupport
import RecoveryCore

/// `task-runner --task T --steps N [--step-ms MS] --effects FILE [--artifacts DIR]`: runs task T
/// with recovery. Step i calls a tool through the ledger whose real effect appends `T:i` to
/// FILE; the step's evidence is the effects file and the tool's exit code, and, with
/// `--artifacts`, the SHA-256 of the file `DIR/T-i.txt` the step writes (its output). Each step
/// is reported after its checkpoint commits, with its seq, its snapshot as stored and its
/// artifact (what a `corrupt` fault damages); a resumed run reports where it resumed.
public enum TaskRunnerRole {
    /// `recheckEvidence` false is a faulty core's (ordeal-faulty-worker's `resume-unverified`).
    public static func run(
        options: WorkerOptions, backend: any RecoveryBackend, events: EventWriter, recheckEvidence: Bool = true
    ) throws -> Int {
        let task = options.string("task", default: "task-1")
        let steps = try options.int("steps", default: 5)
        let stepMillis = try options.int("step-ms", default: 0)
        let effects = try options.string("effects")
        let artifacts = options.optionalString("artifacts")
        if let artifacts { try Artifacts.prepare(artifacts) }
        var runner = TaskRunner(backend: backend)
        runner.recheckEvidenceOnResume = recheckEvidence
        let definition = (0..<steps).map { index in
            TaskStep(name: "step-\(index)") { context in
                if stepMillis > 0 { Posix.sleep(millis: stepMillis) }
                let call = call(task, index)
                let result = try context.ledger.executeOrReplay(call, policy: context.toolPolicy) {
                    try Effects.append(effects, "\(task):\(index)")
                    return "{\"exit\":0}"
                }
                var evidence: [Evidence] = [
                    .artifactExists(path: effects, kind: .file), .commandExit(command: call.command, expected: 0, observed: 0),
                ]
                if let artifacts {
                    evidence.append(try Artifacts.write(Artifacts.path(artifacts, task, index), "\(task):\(index)\n"))
                }
                return StepOutcome(
                    state: ["done": .int(Int64(index)), "replayed": .bool(result.replayed)], evidence: EvidencePack(evidence))
            }
        }
        let toolKeys = try (0..<steps).map { try call(task, $0).key() }
        var started = Posix.monotonicNanos()
        let report = try runner.run(taskID: task, steps: definition) { checkpoint in
            let now = Posix.monotonicNanos()
            var value: [String: JSONValue] = [
                "step": checkpoint.snapshot["step"] ?? .null, "seq": .int(checkpoint.sequence),
                "snapshot": .string(checkpoint.snapshotJSON),
            ]
            if let step = checkpoint.snapshot["step"]?.intValue {
                if toolKeys.indices.contains(Int(step)) { value["tool_key"] = .string(toolKeys[Int(step)]) }
                if let artifacts { value["artifact"] = .string(Artifacts.path(artifacts, task, Int(step))) }
            }
            events.op("task.step", key: task, outcome: .ok, latencyNanos: now - started, value: .object(value))
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

/// The tool call step `index` of `task` makes: its ledger key is what the step's checkpoint
/// references (`task.step` value `tool_key`).
private func call(_ task: String, _ index: Int) -> ToolRequest {
    ToolRequest(tool: "append", command: "\(task):\(index)", taskID: task)
}

/// The files a task runner's steps write as their output, each vouched for by its hash.
enum Artifacts {
    static func path(_ directory: String, _ task: String, _ step: Int) -> String { "\(directory)/\(task)-\(step).txt" }

    static func prepare(_ directory: String) throws {
        do { try Posix.makeDirectories(directory) } catch {
            throw RecoveryError(.storage, "cannot create the artifacts folder: \(error); check --artifacts names a writable folder")
        }
    }

    /// Writes the artifact (atomically, synced) and returns the evidence that vouches for it.
    static func write(_ path: String, _ text: String) throws -> Evidence {
        do { try Posix.writeAtomically(path, text: text) } catch {
            throw RecoveryError(.storage, "cannot write the artifact: \(error); check the --artifacts folder is writable")
        }
        return .fileSHA256(path: path, sha256: Digest.sha256Hex(Array(text.utf8)))
    }
}
