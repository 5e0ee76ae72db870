import OrdealSupport
import Testing

@testable import OrdealCheckers
import OrdealModel

@Suite struct CheckerResumeCorrectTests {
    let checker = ResumeCorrectChecker()

    func step(_ i: Int64, seq: Int64? = nil, incarnation: Int = 0, task: String = "job") -> HistoryEvent {
        op("task.step", task, "ok", ["step": .int(i), "seq": .int(seq ?? i + 1)], worker: "runner-0", incarnation: incarnation)
    }

    func finish(
        incarnation: Int, first: Int64, from seq: Int64? = nil, state: String = "succeeded", task: String = "job"
    ) -> HistoryEvent {
        op(
            "task.finish", task, state == "succeeded" ? "ok" : "fail",
            ["state": .string(state), "first_step": .int(first), "resumed_from_seq": seq.map(JSONValue.int) ?? .null],
            worker: "runner-0", incarnation: incarnation)
    }

    @Test func killedRunnerResumingAtNextStepPassesResumeCorrect() {
        let events = [
            step(0), step(1), step(2, incarnation: 1), step(3, incarnation: 1), finish(incarnation: 1, first: 2, from: 2),
        ]
        let result = check(checker, events)
        #expect(result.verdict == .pass, "\(result.detail)")
        #expect(result.measurements["incarnations"] == 2)
        #expect(result.measurements["steps_acknowledged"] == 4)
    }

    @Test func restartAfterTaskFinishedStartsPastTheLastStep() {
        let events = [step(0), step(1), finish(incarnation: 0, first: 0), finish(incarnation: 1, first: 2, from: 3)]
        #expect(check(checker, events).verdict == .pass)
    }

    @Test func stepAcknowledgedByTwoIncarnationsFailsResumeCorrect() {
        let redone = step(1, seq: 3, incarnation: 1)
        let events = [step(0), step(1), redone, finish(incarnation: 1, first: 1, from: 1)]
        let result = check(checker, events)
        #expect(result.verdict == .fail)
        #expect(result.names("step-acknowledged-twice", key: "job"))
        #expect(result.shows("step-acknowledged-twice", redone))
        #expect(result.names("resumed-before-acknowledged-step", key: "job"))
    }

    @Test func resumeBeforeLastAcknowledgedStepFailsResumeCorrect() {
        let restarted = finish(incarnation: 1, first: 0)
        let result = check(checker, [step(0), step(1), restarted])
        #expect(result.verdict == .fail)
        #expect(result.names("resumed-before-acknowledged-step", key: "job"))
        #expect(result.shows("resumed-before-acknowledged-step", restarted))
        #expect(result.counterexample.first?["expected"]?.intValue == 2)
    }

    @Test func resumeThatSkipsStepsFailsResumeCorrect() {
        let skipped = step(4, incarnation: 1)
        let result = check(checker, [step(0), step(1), skipped, finish(incarnation: 1, first: 4, from: 2)])
        #expect(result.verdict == .fail)
        #expect(result.names("skipped-steps", key: "job"))
        #expect(result.shows("skipped-steps", skipped))
    }

    @Test func firstIncarnationStartingPastStepZeroFailsResumeCorrect() {
        let result = check(checker, [step(1), finish(incarnation: 0, first: 1)])
        #expect(result.names("skipped-steps", key: "job"))
    }

    @Test func stepCommittedButUnreportedBeforeKillIsAcceptedWhenItsCheckpointExists() {
        // Step 2 committed as seq 3 and the runner died before reporting it; the restart
        // resumes from seq 3 at step 3.
        let events = [step(0), step(1), step(3, seq: 4, incarnation: 1), finish(incarnation: 1, first: 3, from: 3)]
        let final = FinalState(checkpoints: (1...4).map { checkpoint("job", $0) })
        let result = check(checker, events, final)
        #expect(result.verdict == .pass, "\(result.detail)")
        #expect(result.measurements["unreported_commits_accepted"] == 1)
    }

    @Test func unreportedCommitWithoutItsCheckpointFailsResumeCorrect() {
        let events = [step(0), step(1), step(3, seq: 4, incarnation: 1), finish(incarnation: 1, first: 3, from: 3)]
        let final = FinalState(checkpoints: [checkpoint("job", 1), checkpoint("job", 2), checkpoint("job", 4)])
        #expect(check(checker, events, final).names("skipped-steps", key: "job"))
    }

    @Test func lastFinishNotSucceededFailsResumeCorrect() {
        let failed = finish(incarnation: 1, first: 1, from: 1, state: "failed")
        let result = check(checker, [step(0), failed])
        #expect(result.verdict == .fail)
        #expect(result.names("task-not-succeeded", key: "job"))
        #expect(result.shows("task-not-succeeded", failed))
    }

    @Test func taskNeverFinishedFailsResumeCorrect() {
        let result = check(checker, [step(0), step(1)])
        #expect(result.verdict == .fail)
        #expect(result.names("task-never-finished", key: "job"))
    }

    @Test func tasksAreJudgedSeparately() {
        let events = [
            step(0, task: "a"), step(0, task: "b"), finish(incarnation: 0, first: 0, task: "a"),
            finish(incarnation: 0, first: 0, task: "b"),
        ]
        let result = check(checker, events)
        #expect(result.verdict == .pass)
        #expect(result.measurements["tasks"] == 2)
    }
}
