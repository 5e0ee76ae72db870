import OrdealSupport
import Testing

@testable import OrdealCheckers
import OrdealModel

/// What the checkers make of a `corrupt` fault (the runner's `corruption` event): the damaged
/// checkpoint must read back as corrupt, a resume must not start from it, its acknowledgement is
/// the fault's loss, and a run in which nothing was damaged is `unknown`.
@Suite struct CorruptionRuleTests {
    /// The runner's record of a flipped byte in the snapshot of `task` seq `seq`.
    func corruption(_ seq: Int64, task: String = "t", flips: Int = 1, t: Double = 50) -> HistoryEvent {
        event(
            Corruption.eventType, "runner-0", t: t,
            [
                "key": .string(task), "seq": .int(seq), "fault": 0, "sha256": ["before", "after"],
                "flips": .array(Array(repeating: ["file": "store.sqlite", "offset": 1, "from": 50, "to": 51], count: flips)),
            ])
    }

    func step(_ step: Int64, seq: Int64, incarnation: Int, t: Double) -> HistoryEvent {
        op("task.step", "t", "ok", ["step": .int(step), "seq": .int(seq)], worker: "runner-0", incarnation: incarnation, t: t)
    }

    func finish(first: Int64, from seq: Int64, incarnation: Int, t: Double) -> HistoryEvent {
        op(
            "task.finish", "t", "ok",
            ["state": "succeeded", "first_step": .int(first), "resumed_from_seq": .int(seq), "steps_run": 1],
            worker: "runner-0", incarnation: incarnation, t: t)
    }

    @Test func aDamagedCheckpointThatReadsBackAsSoundFailsIntegrity() {
        let final = FinalState(checkpoints: [checkpoint("t", 1, sha: "a"), checkpoint("t", 2, sha: "before", ok: true)])
        let result = check(IntegrityChecker(), [corruption(2)], final)
        #expect(result.verdict == .fail && result.rules == ["corruption-unnoticed"])
        // A store that rehashes what it reads reports the damaged text's hash: the same checkpoint.
        let rehashed = FinalState(checkpoints: [checkpoint("t", 2, sha: "after", ok: true)])
        #expect(check(IntegrityChecker(), [corruption(2)], rehashed).rules == ["corruption-unnoticed"])
    }

    @Test func aDamagedCheckpointThatReadsBackAsCorruptPassesIntegrity() {
        let final = FinalState(checkpoints: [checkpoint("t", 1, sha: "a"), checkpoint("t", 2, sha: "before", ok: false)])
        let result = check(IntegrityChecker(), [corruption(2)], final)
        #expect(result.verdict == .pass && result.measurements["corrupted_by_fault"] == 1)
        // Without the fault, the same corrupt snapshot is the core's own damage.
        #expect(check(IntegrityChecker(), [], final).rules == ["snapshot-corrupt"])
    }

    @Test func aCheckpointReusingTheSeqOfALostOneIsNotTheDamagedOne() {
        // The damaged commit was lost and the redone step took its seq, with another snapshot.
        let final = FinalState(checkpoints: [checkpoint("t", 2, sha: "redone", ok: true)])
        let result = check(IntegrityChecker(), [corruption(2)], final)
        #expect(result.verdict == .pass)
        // ... and the pass does not claim to have judged the damage it never found.
        #expect(result.detail.contains("0 of the 1 checkpoints a corrupt fault damaged are in the final state"), "\(result.detail)")
        #expect(!result.detail.contains("the 1 a corrupt fault damaged read back as corrupt"))
    }

    @Test func theAcknowledgementOfADamagedCheckpointIsTheFaultsLoss() {
        let acked = step(1, seq: 2, incarnation: 0, t: 10)
        let final = FinalState(checkpoints: [checkpoint("t", 2, sha: "before", ok: false)])
        #expect(check(AckedDurableChecker(), [acked], final).rules == ["acked-step-checkpoint-missing"])
        let excused = check(AckedDurableChecker(), [acked, corruption(2)], final)
        #expect(excused.verdict != .fail && excused.measurements["corrupted_by_fault"] == 1)
    }

    @Test func redoingTheDamagedStepPassesResumeCorrect() {
        let history = [
            step(0, seq: 1, incarnation: 0, t: 10), step(1, seq: 2, incarnation: 0, t: 20), corruption(2, t: 30),
            step(1, seq: 3, incarnation: 1, t: 40), finish(first: 1, from: 1, incarnation: 1, t: 50),
        ]
        #expect(check(ResumeCorrectChecker(), history).verdict == .pass)
        // Without the corruption, the same redo is a step acknowledged twice, resumed too early.
        let redo = check(ResumeCorrectChecker(), history.filter { $0.type != Corruption.eventType })
        #expect(Set(redo.rules) == ["step-acknowledged-twice", "resumed-before-acknowledged-step"])
    }

    @Test func resumingFromTheDamagedCheckpointFailsResumeCorrect() {
        let history = [
            step(0, seq: 1, incarnation: 0, t: 10), step(1, seq: 2, incarnation: 0, t: 20), corruption(2, t: 30),
            finish(first: 2, from: 2, incarnation: 1, t: 50),
        ]
        #expect(check(ResumeCorrectChecker(), history).rules.contains("resumed-from-corrupt-checkpoint"))
    }

    /// A runner that trusts the damaged checkpoint and is killed before it finishes: its resume
    /// one step late is not excused by the damaged step's effect line, written before the fault.
    @Test func resumingPastTheDamagedStepUnfinishedFailsResumeCorrectDespiteItsEffectLine() {
        let history = [
            step(0, seq: 1, incarnation: 0, t: 10), step(1, seq: 2, incarnation: 0, t: 20), corruption(2, t: 30),
            step(2, seq: 3, incarnation: 1, t: 40),
        ]
        let final = FinalState(effects: ["t:0": 1, "t:1": 1, "t:2": 1])
        #expect(check(ResumeCorrectChecker(), history, final).rules.contains("skipped-steps"))
        // Without the fault, step 2 after an acknowledged step 1 is the expected resume.
        #expect(!check(ResumeCorrectChecker(), history.filter { $0.type != Corruption.eventType }, final).rules.contains("skipped-steps"))
    }

    @Test func snapshotCorruptedHoldsOnlyWhenAByteWasFlippedAndTheWorkerRanAgain() {
        func verdict(_ events: [HistoryEvent]) -> Verdict { PremiseChecker.check([.snapshotCorrupted], history: History(events))[0].verdict }
        let after = step(1, seq: 3, incarnation: 1, t: 60)
        #expect(verdict([corruption(2), after]) == .pass)
        #expect(verdict([corruption(2, flips: 0), after]) == .unknown)
        #expect(verdict([corruption(2)]) == .unknown)
        #expect(verdict([after]) == .unknown)
    }
}

/// The `corrupt` fault with `of: artifact`: the checkpoint's evidence no longer holds, so the
/// core must stop holding it verified and must not resume from it.
@Suite struct ArtifactCorruptionRuleTests {
    func corruption(_ seq: Int64, t: Double = 30) -> HistoryEvent {
        event(
            Corruption.eventType, "runner-0", t: t,
            [
                "key": "t", "seq": .int(seq), "fault": 0, "of": "artifact", "sha256": ["before", "after"],
                "flips": [["file": "artifacts/t-1.txt", "offset": 2, "from": 49, "to": 48]],
            ])
    }

    func record(_ seq: Int64, verified: Bool) -> FinalState.CheckpointRecord {
        FinalState.CheckpointRecord(task: "t", seq: seq, sha256: "snap", snapshotOK: true, verified: verified, type: "iteration_end")
    }

    @Test func aCheckpointStillHeldVerifiedAfterItsArtifactChangedFailsIntegrity() {
        let unnoticed = check(IntegrityChecker(), [corruption(2)], FinalState(checkpoints: [record(1, verified: true), record(2, verified: true)]))
        #expect(unnoticed.verdict == .fail && unnoticed.rules == ["corruption-unnoticed"])
        let noticed = check(IntegrityChecker(), [corruption(2)], FinalState(checkpoints: [record(1, verified: true), record(2, verified: false)]))
        #expect(noticed.verdict == .pass)
    }

    @Test func resumingFromTheCheckpointWhoseEvidenceBrokeFailsResumeCorrect() {
        let before = [
            op("task.step", "t", "ok", ["step": 0, "seq": 1], worker: "runner-0", incarnation: 0, t: 10),
            op("task.step", "t", "ok", ["step": 1, "seq": 2], worker: "runner-0", incarnation: 0, t: 20), corruption(2),
        ]
        let trusted = op(
            "task.finish", "t", "ok", ["state": "succeeded", "first_step": 2, "resumed_from_seq": 2, "steps_run": 0],
            worker: "runner-0", incarnation: 1, t: 50)
        #expect(check(ResumeCorrectChecker(), before + [trusted]).rules.contains("resumed-from-unverified-checkpoint"))
        let redone = [
            op("task.step", "t", "ok", ["step": 1, "seq": 3], worker: "runner-0", incarnation: 1, t: 40),
            op("task.finish", "t", "ok", ["state": "succeeded", "first_step": 1, "resumed_from_seq": 1, "steps_run": 1],
               worker: "runner-0", incarnation: 1, t: 50),
        ]
        #expect(check(ResumeCorrectChecker(), before + redone).verdict == .pass)
    }

    @Test func anArtifactCorruptionThatHitNothingLeavesItsPremiseUnknown() {
        var missed = corruption(2)
        missed = event(Corruption.eventType, "runner-0", t: 30, ["key": "t", "seq": 2, "fault": 0, "of": "artifact", "flips": []])
        let (held, why) = PremiseChecker.judge(.artifactCorrupted, History([missed]))
        #expect(!held && why.contains("found no copy of the artifact"))
        let (snapshotHeld, _) = PremiseChecker.judge(.snapshotCorrupted, History([corruption(2)]))
        #expect(!snapshotHeld)
    }
}

/// Retention beside task runners: old acknowledged checkpoints may go, the newest may not.
@Suite struct RetentionRuleTests {
    func step(_ task: String, _ step: Int64, seq: Int64, t: Double) -> HistoryEvent {
        op("task.step", task, "ok", ["step": .int(step), "seq": .int(seq)], worker: "runner-0", t: t)
    }

    func cleanup(_ task: String, deleted: Int64, t: Double) -> HistoryEvent {
        op("checkpoint.cleanup", task, "ok", ["deleted": .int(deleted), "keep": 1], worker: "retention-0", t: t)
    }

    @Test func retentionMayDeleteOldAcknowledgedCheckpointsButNotTheNewest() {
        let history = [step("t", 0, seq: 1, t: 10), step("t", 1, seq: 2, t: 20), cleanup("t", deleted: 1, t: 30)]
        let kept = check(AckedDurableChecker(), history, FinalState(checkpoints: [checkpoint("t", 2), checkpoint("t", 3)]))
        #expect(kept.verdict == .pass && kept.measurements["deleted_by_retention"] == 1)
        let dropped = check(AckedDurableChecker(), history, FinalState(checkpoints: [checkpoint("t", 3)]))
        #expect(dropped.verdict == .fail && dropped.rules == ["last-verified-checkpoint-deleted"])
        // Without a clean-up in the history, the same missing checkpoint is a lost write.
        let lost = check(AckedDurableChecker(), Array(history.prefix(2)), FinalState(checkpoints: [checkpoint("t", 2)]))
        #expect(lost.rules == ["acked-step-checkpoint-missing"])
    }

    @Test func gapsLeftByRetentionAreNotSequenceGapsButDuplicatesStillAre() {
        let final = FinalState(checkpoints: [checkpoint("t", 4), checkpoint("t", 6)])
        #expect(check(SequenceContiguousChecker(), [], final).rules == ["seq-gap"])
        #expect(check(SequenceContiguousChecker(), [cleanup("t", deleted: 4, t: 5)], final).verdict == .pass)
        let duplicated = FinalState(checkpoints: [checkpoint("t", 4), checkpoint("t", 4)])
        #expect(check(SequenceContiguousChecker(), [cleanup("t", deleted: 4, t: 5)], duplicated).rules == ["duplicate-seq"])
    }

    @Test func retentionThatNeverRanAfterATaskEndedLeavesItsPremiseUnknown() {
        let finish = op("task.finish", "t", "ok", ["state": "succeeded", "first_step": 0, "resumed_from_seq": nil, "steps_run": 2], worker: "runner-0", t: 40)
        let (early, why) = PremiseChecker.judge(.retentionAfterFinish, History([cleanup("t", deleted: 1, t: 30), finish]))
        #expect(!early && why.contains("none of a task after it finished"))
        let (late, _) = PremiseChecker.judge(.retentionAfterFinish, History([finish, cleanup("t", deleted: 1, t: 50)]))
        #expect(late)
        #expect(!PremiseChecker.judge(.retentionAfterFinish, History([finish])).0)
    }
}
