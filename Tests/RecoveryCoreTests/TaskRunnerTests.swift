import OrdealSupport
import Testing

@testable import RecoveryCore

@Suite struct TaskRunnerTests {
    let env: TestEnv
    init() throws { env = try TestEnv() }

    struct Crash: Error, CustomStringConvertible { var description: String { "simulated crash" } }

    /// Counts the executions of each step by name.
    let runs = Locked<[String: Int]>([:])
    /// Names of the steps that throw `Crash` the next time they run.
    let crashNext = Locked<Set<String>>([])

    func runner() -> TaskRunner { TaskRunner(backend: env.backend, clock: env.clock) }

    /// A step that appends its name to the state (an array), writes an artifact file named
    /// after the step, and offers that file as its evidence.
    func step(_ name: String) -> TaskStep {
        let runs = self.runs
        let crashNext = self.crashNext
        let artifact = env.path("\(name).out")
        return TaskStep(name: name) { context in
            runs.update { $0[name, default: 0] += 1 }
            if crashNext.update({ $0.remove(name) != nil }) { throw Crash() }
            try env.writeFile("\(name).out", "\(context.stepIndex)")
            let state = JSONValue.array((context.state.arrayValue ?? []) + [.string(name)])
            return StepOutcome(state: state, evidence: EvidencePack([.artifactExists(path: artifact, kind: .file)]))
        }
    }

    func steps(_ names: String...) -> [TaskStep] { names.map(step) }

    @Test func runsAllStepsAndEndsSucceeded() throws {
        let report = try runner().run(taskID: "t", steps: steps("a", "b", "c"))
        #expect(report.state == .succeeded)
        #expect(report.firstStep == 0)
        #expect(report.resumedFromSequence == nil)
        #expect(report.stepsRun == ["a", "b", "c"])
        #expect(report.finalState == ["a", "b", "c"])
        #expect(runs.value == ["a": 1, "b": 1, "c": 1])
        #expect(try env.backend.task(id: "t")?.state == .succeeded)
        let stored = try env.checkpoints().list(taskID: "t")
        #expect(stored.map(\.type) == [.stateTransition, .iterationEnd, .iterationEnd, .iterationEnd])
        #expect(stored.filter { $0.type == .iterationEnd }.allSatisfy { $0.verified })
        #expect(stored[1].snapshot == ["step": 2, "name": "c", "state": ["a", "b", "c"]])
    }

    @Test func aFailingStepMarksTheTaskFailedWithAnErrorBoundary() throws {
        crashNext.update { $0.insert("b") }
        #expect(throws: Crash.self) { try runner().run(taskID: "t", steps: steps("a", "b", "c")) }
        let task = try #require(try env.backend.task(id: "t"))
        #expect(task.state == .failed)
        #expect(task.detail == "step 1 (b): simulated crash")
        let boundary = try #require(try env.checkpoints().list(taskID: "t", type: .errorBoundary).first)
        #expect(boundary.snapshot == ["step": 1, "name": "b", "error": "simulated crash"])
        #expect(runs.value == ["a": 1, "b": 1])
    }

    @Test func aStepWhoseEvidenceDoesNotHoldFailsTheTask() throws {
        let bad = TaskStep(name: "bad") { _ in StepOutcome(state: "x", evidence: failingEvidence) }
        let error = #expect(throws: RecoveryError.self) { try runner().run(taskID: "t", steps: [bad]) }
        #expect(error?.code == .notVerified)
        #expect(error?.message.contains("step 0 (bad)") == true)
        #expect(try env.backend.task(id: "t")?.state == .failed)
        #expect(try env.checkpoints().list(taskID: "t", type: .errorBoundary).count == 1)
    }

    @Test func aStepWithAnEmptyEvidencePackFailsTheTask() throws {
        let empty = TaskStep(name: "empty") { _ in StepOutcome(state: "x", evidence: .empty) }
        let error = #expect(throws: RecoveryError.self) { try runner().run(taskID: "t", steps: [empty]) }
        #expect(error?.code == .notVerified)
    }

    @Test func resumingAfterACrashStartsAfterTheLastVerifiedCheckpoint() throws {
        let all = steps("s0", "s1", "s2", "s3")
        crashNext.update { $0.insert("s2") }
        #expect(throws: Crash.self) { try runner().run(taskID: "t", steps: all) }
        #expect(runs.value == ["s0": 1, "s1": 1, "s2": 1])

        try env.backend.setTaskState(taskID: "t", state: .running, detail: nil, nowMillis: env.clock.nowMillis())
        let report = try runner().run(taskID: "t", steps: all)
        #expect(report.firstStep == 2)
        #expect(report.resumedFromSequence == 2)
        #expect(report.stepsRun == ["s2", "s3"])
        #expect(report.state == .succeeded)
        #expect(report.finalState == ["s0", "s1", "s2", "s3"], "the state of the earlier steps carried over")
        #expect(runs.value == ["s0": 1, "s1": 1, "s2": 2, "s3": 1])
    }

    @Test func aResumedStepWhoseArtifactWasDeletedRunsAgain() throws {
        let all = steps("s0", "s1", "s2", "s3")
        crashNext.update { $0.insert("s2") }
        #expect(throws: Crash.self) { try runner().run(taskID: "t", steps: all) }
        try env.removeFile("s1.out")
        try env.backend.setTaskState(taskID: "t", state: .running, detail: nil, nowMillis: env.clock.nowMillis())

        let report = try runner().run(taskID: "t", steps: all)
        #expect(report.firstStep == 1)
        #expect(report.resumedFromSequence == 1)
        #expect(report.stepsRun == ["s1", "s2", "s3"])
        #expect(report.finalState == ["s0", "s1", "s2", "s3"])
        #expect(runs.value == ["s0": 1, "s1": 2, "s2": 2, "s3": 1])
    }

    @Test func aTaskAlreadySucceededRunsNothing() throws {
        let all = steps("a", "b")
        _ = try runner().run(taskID: "t", steps: all)
        let checkpointsBefore = try env.checkpoints().list(taskID: "t").count
        let report = try runner().run(taskID: "t", steps: all)
        #expect(report.stepsRun.isEmpty)
        #expect(report.state == .succeeded)
        #expect(report.firstStep == 2)
        #expect(report.finalState == ["a", "b"])
        #expect(runs.value == ["a": 1, "b": 1])
        #expect(try env.checkpoints().list(taskID: "t").count == checkpointsBefore)
    }

    @Test func aFailedTaskIsNotRunAgainUntilItIsReset() throws {
        crashNext.update { $0.insert("a") }
        #expect(throws: Crash.self) { try runner().run(taskID: "t", steps: steps("a")) }
        let report = try runner().run(taskID: "t", steps: steps("a"))
        #expect(report.state == .failed)
        #expect(report.stepsRun.isEmpty)
        #expect(runs.value == ["a": 1])
    }

    @Test func stepsSeeTheirPlaceAndThePreviousState() throws {
        let seen = Locked<[String]>([])
        let probe = { (name: String) in
            TaskStep(name: name) { context in
                seen.update { $0.append("\(context.taskID)#\(context.stepIndex) \(context.stepName) after \(context.state)") }
                return StepOutcome(state: .string(name), evidence: passingEvidence)
            }
        }
        _ = try runner().run(taskID: "t", steps: [probe("x"), probe("y")])
        #expect(seen.value == ["t#0 x after null", "t#1 y after string(\"x\")"])
    }

    @Test func aToolCallBeforeACrashIsReplayedOnResume() throws {
        let toolRuns = Locked(0)
        let crashOnce = Locked(true)
        let deploy = TaskStep(name: "deploy") { context in
            let result = try context.ledger.executeOrReplay(
                ToolRequest(tool: "shell", command: "deploy", taskID: context.taskID), policy: context.toolPolicy
            ) {
                toolRuns.update { $0 += 1 }
                return "deployed"
            }
            if crashOnce.update({ let first = $0; $0 = false; return first }) { throw Crash() }
            return StepOutcome(state: .string(result.output), evidence: passingEvidence)
        }
        #expect(throws: Crash.self) { try runner().run(taskID: "t", steps: [deploy]) }
        try env.backend.setTaskState(taskID: "t", state: .running, detail: nil, nowMillis: env.clock.nowMillis())
        let report = try runner().run(taskID: "t", steps: [deploy])
        #expect(report.state == .succeeded)
        #expect(report.finalState == "deployed")
        #expect(toolRuns.value == 1)
    }
}
