import OrdealSupport
import RecoveryCore

extension BackendConformance {
    /// `TaskStore`, through `TaskRunner`: resuming after a crash.
    static let taskChecks: [ConformanceCheck] = [
        ConformanceCheck(
            "theRunnerResumesAfterTheLastVerifiedCheckpoint",
            "A TaskRunner that crashed in step 3 of 4 resumes from its last verified checkpoint and runs only the steps left."
        ) { env in
            struct Crash: Error {}
            let runs = Locked<[String: Int]>([:])
            let crashNext = Locked<Set<String>>(["s2"])
            let steps = ["s0", "s1", "s2", "s3"].map { name in
                TaskStep(name: name) { context in
                    runs.update { $0[name, default: 0] += 1 }
                    if crashNext.update({ $0.remove(name) != nil }) { throw Crash() }
                    let artifact = env.path("\(name).out")
                    try env.writeFile("\(name).out", "\(context.stepIndex)")
                    let state = JSONValue.array((context.state.arrayValue ?? []) + [.string(name)])
                    return StepOutcome(state: state, evidence: EvidencePack([.artifactExists(path: artifact, kind: .file)]))
                }
            }
            let runner = TaskRunner(backend: env.backend, clock: env.clock)
            do {
                _ = try runner.run(taskID: "t", steps: steps)
                throw env.fail("the first run stops at the step that crashes", expected: "the step's error", seen: "no error")
            } catch is Crash {}
            try env.expect(env.backend.task(id: "t")?.state, .failed, "the task's state after the crash")
            try env.backend.setTaskState(taskID: "t", state: .running, detail: nil, nowMillis: env.clock.nowMillis())
            let report = try runner.run(taskID: "t", steps: steps)
            try env.expect(report.firstStep, 2, "the step the second run starts at")
            try env.expect(report.resumedFromSequence, 2, "the checkpoint the second run resumes from")
            try env.expect(report.stepsRun, ["s2", "s3"], "the steps the second run runs")
            try env.expect(report.finalState, ["s0", "s1", "s2", "s3"], "the final state")
            try env.expect(runs.value, ["s0": 1, "s1": 1, "s2": 2, "s3": 1], "how often each step ran")
            let task = try env.require(env.backend.task(id: "t"), "task t has a record")
            try env.expect(task.state, .succeeded, "the task's state after the second run")
            try env.expectNil(env.backend.task(id: "nobody"), "a task never run has no record")
            try env.expect(env.backend.integrityProblems(), [], "the backend's own integrity check")
        },
    ]
}
