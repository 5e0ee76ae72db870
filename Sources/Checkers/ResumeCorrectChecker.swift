import OrdealModel
import OrdealSupport

/// `resume-correct`: a task runner killed and restarted carries on from its last verified
/// checkpoint, redoing and skipping nothing. For every task (op key) with `task.step` events:
/// - each step index is acknowledged (ok `task.step`) at most once across all incarnations
///   (`step-acknowledged-twice`);
/// - the task's last `task.finish` has `state: succeeded` (`task-not-succeeded`, or
///   `task-never-finished` when there is none);
/// - every incarnation (a worker instance's process: event fields `worker`, `incarnation`)
///   resumes at R = (highest step acknowledged before its first event for the task) + 1, or 0
///   when none was. Its resume point is its `task.finish`'s `first_step`, or, when it never
///   finished, its first acknowledged step. Lower than R redoes acknowledged steps
///   (`resumed-before-acknowledged-step`); higher skips steps (`skipped-steps`), with one
///   exception: step R may have committed in a process killed before it could report it.
///   Resuming at R + 1 is accepted when the final state proves that commit: the
///   incarnation's `resumed_from_seq` is above the seq of the last acknowledged step and that
///   checkpoint exists with `snapshot_ok`, or, for an incarnation that never finished, the
///   effects file holds step R's line `task:R` (unless step R's acknowledgement is one a
///   corrupt fault took back: its line was written before the fault).
/// - a `corrupt` fault that damaged the checkpoint (task, S) takes back the acknowledgement of
///   every step of the task whose seq is S or later: those steps are to be redone (not
///   `step-acknowledged-twice`), and R counts from the last step before them. An incarnation
///   that resumed from the damaged checkpoint itself (`resumed_from_seq` S) is
///   `resumed-from-corrupt-checkpoint`: the core trusted a snapshot its hash disowns; or, when
///   the fault changed the checkpoint's artifact, `resumed-from-unverified-checkpoint`: the core
///   resumed from a checkpoint whose evidence no longer holds.
///
/// Incarnations of one task are assumed to run one after another, not at once.
/// Measurements: `tasks`, `steps_acknowledged`, `incarnations`, `unreported_commits_accepted`.
public struct ResumeCorrectChecker: Checker {
    public let name = "resume-correct"

    public init() {}

    struct Run {
        var id: IncarnationID
        /// Highest step acknowledged before this run's first event, and that ack.
        var lastAck: HistoryEvent?
        var resume: Int64?
        var firstAck: HistoryEvent?
        var finish: HistoryEvent?
    }

    struct TaskState {
        var acked: [Int64: HistoryEvent] = [:]
        var highest: HistoryEvent?
        var runs: [Run] = []
        var runIndex: [IncarnationID: Int] = [:]
        var lastFinish: HistoryEvent?
        var hasSteps = false
        /// The seqs of this task's checkpoints a corrupt fault damaged, and what it damaged.
        var corrupted: [Int64: CorruptTarget] = [:]
        /// The steps whose acknowledgement a corrupt fault took back: their effect lines date
        /// from before the fault, so they prove no later commit.
        var retracted: Set<Int64> = []
    }

    public func check(history: History, final: FinalState, context: CheckContext) -> CheckResult {
        var findings = Findings()
        let (tasks, stepsAcked) = Self.tasks(in: history, findings: &findings)
        var accepted = 0
        var incarnations = 0
        let checkpoints = Set(final.checkpoints.filter(\.snapshotOK).map { "\($0.task)\u{0}\($0.seq)" })
        for task in tasks.keys.sorted() {
            guard let state = tasks[task], state.hasSteps else { continue }
            incarnations += state.runs.count
            if let finish = state.lastFinish {
                if finish.string("state") != "succeeded" {
                    findings.violation(
                        "task-not-succeeded", key: task, ["state": finish.value?["state"] ?? .null], events: [finish])
                }
            } else {
                findings.violation("task-never-finished", key: task, events: state.highest.map { [$0] } ?? [])
            }
            for run in state.runs {
                guard let resume = run.resume else { continue }
                let expected = (run.lastAck?.int("step") ?? -1) + 1
                let fields: [String: JSONValue] = [
                    "incarnation": .string(run.id.description), "resumed_at": .int(resume), "expected": .int(expected),
                ]
                let events = [run.lastAck, run.firstAck, run.finish].compactMap { $0 }
                if let from = run.finish?.int("resumed_from_seq"), let of = state.corrupted[from] {
                    findings.violation(
                        of == .snapshot ? "resumed-from-corrupt-checkpoint" : "resumed-from-unverified-checkpoint", key: task,
                        fields.merging(["seq": .int(from)]) { $1 }, events: events)
                } else if resume < expected {
                    findings.violation("resumed-before-acknowledged-step", key: task, fields, events: events)
                } else if resume > expected {
                    if resume == expected + 1, provesUnreportedCommit(task, run, expected, state, checkpoints, final.effects) {
                        accepted += 1
                    } else {
                        findings.violation("skipped-steps", key: task, fields, events: events)
                    }
                }
            }
        }
        let judged = tasks.values.filter(\.hasSteps).count
        return findings.result(
            name, pass: "\(judged) task(s) resumed at the step after their last acknowledged one and succeeded",
            fail: "\(findings.violations) resume violation(s): steps redone, skipped, or tasks left unfinished",
            measurements: [
                "tasks": Double(judged), "steps_acknowledged": Double(stepsAcked), "incarnations": Double(incarnations),
                "unreported_commits_accepted": Double(accepted),
            ],
            judged: judged, nothing: "no task.step or task.finish in the history")
    }

    /// Each task's steps and runs, read from its `task.step` and `task.finish` ops in order; the
    /// number of steps acknowledged; a step acknowledged twice is a violation, an op without its
    /// fields a malformed acknowledgement.
    static func tasks(in history: History, findings: inout Findings) -> (tasks: [String: TaskState], stepsAcked: Int) {
        var tasks: [String: TaskState] = [:]
        var stepsAcked = 0
        for event in history.events where event.type == "op" || event.type == Corruption.eventType {
            if let corruption = Corruption(event) {
                guard corruption.bytesFlipped > 0 else { continue }
                var state = tasks[corruption.task, default: TaskState()]
                state.corrupted[corruption.seq] = corruption.of
                state.retracted.formUnion(state.acked.filter { ($0.value.int("seq") ?? 0) >= corruption.seq }.keys)
                state.acked = state.acked.filter { ($0.value.int("seq") ?? 0) < corruption.seq }
                state.highest = state.acked.max { $0.key < $1.key }?.value
                tasks[corruption.task] = state
                continue
            }
            guard event.op == "task.step" || event.op == "task.finish", let task = event.key else { continue }
            var state = tasks[task, default: TaskState()]
            defer { tasks[task] = state }
            let id = event.incarnationID
            let index: Int
            if let known = state.runIndex[id] {
                index = known
            } else {
                index = state.runs.count
                state.runIndex[id] = index
                state.runs.append(Run(id: id, lastAck: state.highest))
            }
            if event.op == "task.finish" {
                state.lastFinish = event
                state.runs[index].finish = event
                if let first = event.int("first_step") {
                    state.runs[index].resume = first
                } else {
                    findings.malformed(event, "value lacks first_step")
                }
                continue
            }
            guard event.isOK else { continue }
            guard let step = event.int("step") else {
                findings.malformed(event, "value lacks step")
                continue
            }
            state.hasSteps = true
            stepsAcked += 1
            if let earlier = state.acked[step] {
                findings.violation("step-acknowledged-twice", key: task, ["step": .int(step)], events: [earlier, event])
            } else {
                state.acked[step] = event
            }
            if state.runs[index].firstAck == nil { state.runs[index].firstAck = event }
            if state.runs[index].resume == nil { state.runs[index].resume = step }
            if state.highest.flatMap({ $0.int("step") }).map({ step > $0 }) ?? true { state.highest = event }
        }
        return (tasks, stepsAcked)
    }

    /// Whether the final state shows that step `step` committed although no ack reported it.
    private func provesUnreportedCommit(
        _ task: String, _ run: Run, _ step: Int64, _ state: TaskState, _ checkpoints: Set<String>, _ effects: [String: Int]
    ) -> Bool {
        if let finish = run.finish {
            guard let from = finish.int("resumed_from_seq") else { return false }
            let lastSeq = run.lastAck?.int("seq") ?? 0
            return from > lastSeq && checkpoints.contains("\(task)\u{0}\(from)")
        }
        // The line of a step acknowledged before a corrupt fault took that back was written then.
        return !state.retracted.contains(step) && (effects["\(task):\(step)"] ?? 0) > 0
    }
}
