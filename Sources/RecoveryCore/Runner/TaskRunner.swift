import OrdealSupport

/// What a step sees: its task, its place, the state the last step left, and the idempotency
/// store through which LLM calls and tool calls must go so that a re-run replays them.
public struct StepContext: Sendable {
    public let taskID: String
    public let stepIndex: Int
    public let stepName: String
    /// The `state` the previous step returned (`null` before the first step).
    public let state: JSONValue
    public let cache: LLMCache
    public let ledger: ToolLedger
    public let toolPolicy: IndeterminatePolicy
}

/// What a step returns: the task's new state, and the evidence that the step did its work.
public struct StepOutcome: Sendable {
    public var state: JSONValue
    public var evidence: EvidencePack

    public init(state: JSONValue, evidence: EvidencePack) {
        self.state = state
        self.evidence = evidence
    }
}

public struct TaskStep: Sendable {
    public var name: String
    public var run: @Sendable (StepContext) throws -> StepOutcome

    public init(name: String, run: @escaping @Sendable (StepContext) throws -> StepOutcome) {
        self.name = name
        self.run = run
    }
}

/// What `TaskRunner.run` did.
public struct TaskRunReport: Sendable, Hashable {
    /// The sequence number of the checkpoint it resumed from, if any.
    public var resumedFromSequence: Int64?
    /// The index of the first step it ran.
    public var firstStep: Int
    /// Names of the steps it ran, in order.
    public var stepsRun: [String]
    public var state: TaskState
    public var finalState: JSONValue
}

/// Runs a task's steps with recovery: resumes after the last verified `iteration_end`
/// checkpoint (its evidence re-checked), checkpoints each step with its evidence, and ends
/// in a terminal state (`succeeded`, or `failed` with an `error_boundary` checkpoint).
public struct TaskRunner: Sendable {
    public let backend: any RecoveryBackend
    public let checkpoints: CheckpointManager
    public let cache: LLMCache
    public let ledger: ToolLedger
    public let clock: any RecoveryClock
    public var toolPolicy: IndeterminatePolicy
    /// Whether a resume checks the evidence of the checkpoint it resumes from again (the
    /// default): evidence that held at commit may not hold now (an artifact removed or changed),
    /// and resuming past such a step skips work that is not there. Off, the verdict stored at
    /// commit is trusted: cheaper, and wrong whenever the world changed since.
    public var recheckEvidenceOnResume = true

    public init(backend: any RecoveryBackend, clock: any RecoveryClock = SystemClock(), toolPolicy: IndeterminatePolicy = .runAgain) {
        self.backend = backend
        self.clock = clock
        self.checkpoints = CheckpointManager(store: backend, clock: clock)
        self.cache = LLMCache(store: backend, clock: clock)
        self.ledger = ToolLedger(store: backend, clock: clock)
        self.toolPolicy = toolPolicy
    }

    /// Runs the steps not yet done. `onStepCommitted` is called after each step's checkpoint
    /// has committed and verified: the moment the step may be acknowledged.
    public func run(
        taskID: String, steps: [TaskStep], onStepCommitted: (Checkpoint) -> Void = { _ in }
    ) throws -> TaskRunReport {
        if let record = try backend.task(id: taskID), record.state != .running {
            let last = try checkpoints.lastVerified(taskID: taskID, type: .iterationEnd)
            return TaskRunReport(
                resumedFromSequence: last?.sequence, firstStep: steps.count, stepsRun: [], state: record.state,
                finalState: last?.snapshot["state"] ?? .null)
        }
        try backend.setTaskState(taskID: taskID, state: .running, detail: nil, nowMillis: clock.nowMillis())
        let resume = try checkpoints.lastVerified(taskID: taskID, type: .iterationEnd, recheckEvidence: recheckEvidenceOnResume)
        var state = resume?.snapshot["state"] ?? .null
        let first = resume.flatMap { $0.snapshot["step"]?.intValue }.map { Int($0) + 1 } ?? 0
        var report = TaskRunReport(
            resumedFromSequence: resume?.sequence, firstStep: first, stepsRun: [], state: .running, finalState: state)
        for index in first..<max(first, steps.count) {
            let step = steps[index]
            do {
                let context = StepContext(
                    taskID: taskID, stepIndex: index, stepName: step.name, state: state, cache: cache, ledger: ledger,
                    toolPolicy: toolPolicy)
                let outcome = try step.run(context)
                let pending = try checkpoints.beginStep(
                    taskID: taskID, type: .iterationEnd,
                    snapshot: ["step": .int(Int64(index)), "name": .string(step.name), "state": outcome.state])
                let checkpoint = try checkpoints.commitStep(pending, evidence: outcome.evidence)
                guard checkpoint.verified else {
                    throw RecoveryError(
                        .notVerified,
                        "step \(index) (\(step.name)) of task \(taskID) did not verify: \(checkpoint.verification?.summary ?? "no report")")
                }
                state = outcome.state
                report.stepsRun.append(step.name)
                onStepCommitted(checkpoint)
            } catch {
                try fail(taskID: taskID, index: index, step: step.name, error: error)
                throw error
            }
        }
        let done = try checkpoints.beginStep(taskID: taskID, type: .stateTransition, snapshot: ["state": "succeeded"])
        _ = try checkpoints.commitStep(done, evidence: .empty, verify: false)
        try backend.setTaskState(taskID: taskID, state: .succeeded, detail: nil, nowMillis: clock.nowMillis())
        report.state = .succeeded
        report.finalState = state
        return report
    }

    private func fail(taskID: String, index: Int, step: String, error: any Error) throws {
        let boundary = try checkpoints.beginStep(
            taskID: taskID, type: .errorBoundary,
            snapshot: ["step": .int(Int64(index)), "name": .string(step), "error": .string("\(error)")])
        _ = try checkpoints.commitStep(boundary, evidence: .empty, verify: false)
        try backend.setTaskState(taskID: taskID, state: .failed, detail: "step \(index) (\(step)): \(error)", nowMillis: clock.nowMillis())
    }
}
