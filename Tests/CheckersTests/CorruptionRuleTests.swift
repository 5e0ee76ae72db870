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
        #expect(check(IntegrityChecker(), [corruption(2)], final).verdict == .pass)
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

    @Test func snapshotCorruptedHoldsOnlyWhenAByteWasFlippedAndTheWorkerRanAgain() {
        func verdict(_ events: [HistoryEvent]) -> Verdict { PremiseChecker.check([.snapshotCorrupted], history: History(events))[0].verdict }
        let after = step(1, seq: 3, incarnation: 1, t: 60)
        #expect(verdict([corruption(2), after]) == .pass)
        #expect(verdict([corruption(2, flips: 0), after]) == .unknown)
        #expect(verdict([corruption(2)]) == .unknown)
        #expect(verdict([after]) == .unknown)
    }
}
