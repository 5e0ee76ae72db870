import OrdealSupport
import Testing

@testable import OrdealCheckers
import OrdealModel

@Suite struct CheckerAckedDurableTests {
    let checker = AckedDurableChecker()
    let commit = op("checkpoint.commit", "task-1", "ok", ["seq": 1, "sha256": "aa"])
    let complete = op("lease.complete", "item-1", "ok", ["token": 2, "output": "result-1"])
    let generate = op("cache.generate", "ck", "ok", ["value": "answer 0"])
    let execute = op("tool.execute", "tk", "ok", ["output": "{\"line\":\"t:0\"}", "reran": false])

    var intact: FinalState {
        FinalState(
            checkpoints: [checkpoint("task-1", 1, sha: "aa")],
            workItems: [item("item-1", token: 2, released: 2, output: "result-1")],
            idempotency: [
                entry("ck", kind: "llm", result: "answer 0"), entry("tk", result: "{\"line\":\"t:0\"}"),
            ])
    }

    @Test func everyAcknowledgedWritePresentPassesAckedDurable() {
        let result = check(checker, [commit, complete, generate, execute, op("cache.hit", "ck", "ok", ["value": "answer 0"])], intact)
        #expect(result.verdict == .pass)
        #expect(result.measurements["acknowledged_writes"] == 5)
        #expect(result.measurements["lost_writes"] == 0)
    }

    /// An acknowledged task step promises its checkpoint: one missing or corrupt fails.
    @Test func anAcknowledgedStepWhoseCheckpointIsGoneFailsAckedDurable() {
        let step = op("task.step", "task-1", "ok", ["step": 0, "seq": 1])
        #expect(check(checker, [step], FinalState(checkpoints: [checkpoint("task-1", 1)])).verdict == .pass)
        let gone = check(checker, [step], FinalState())
        #expect(gone.verdict == .fail)
        #expect(gone.names("acked-step-checkpoint-missing", key: "task-1"))
        #expect(check(checker, [step], FinalState(checkpoints: [checkpoint("task-1", 1, ok: false)])).verdict == .fail)
        let noSeq = check(checker, [op("task.step", "task-1", "ok", ["step": 0])], FinalState(checkpoints: [checkpoint("task-1", 1)]))
        #expect(noSeq.verdict == .unknown, "a step without its seq cannot be judged")
    }

    @Test func failedAndIndeterminateOpsAreNotAcknowledgements() {
        let result = check(
            checker,
            [
                op("checkpoint.commit", "task-9", "fail", error: "disk full"),
                op("tool.execute", "tk-9", "info", error: "indeterminate"),
            ])
        #expect(result.verdict == .unknown, "no acknowledged write: nothing was judged")
        #expect(result.measurements["acknowledged_writes"] == 0)
    }

    @Test func ackedCheckpointMissingAfterRecoveryFailsAckedDurable() {
        var final = intact
        final.checkpoints = []
        let result = check(checker, [commit], final)
        #expect(result.verdict == .fail)
        #expect(result.names("acked-checkpoint-missing", key: "task-1"))
        #expect(result.shows("acked-checkpoint-missing", commit))
        #expect(result.measurements["lost_writes"] == 1)
    }

    @Test func ackedCheckpointWithOtherHashFailsAckedDurable() {
        var final = intact
        final.checkpoints = [checkpoint("task-1", 1, sha: "bb")]
        let result = check(checker, [commit], final)
        #expect(result.verdict == .fail)
        #expect(result.names("acked-checkpoint-changed", key: "task-1"))
    }

    @Test func ackedCheckpointWithCorruptSnapshotFailsAckedDurable() {
        var final = intact
        final.checkpoints = [checkpoint("task-1", 1, sha: "aa", ok: false)]
        let result = check(checker, [commit], final)
        #expect(result.verdict == .fail)
        #expect(result.names("acked-checkpoint-changed", key: "task-1"))
    }

    @Test func ackedCompletionOfMissingItemFailsAckedDurable() {
        var final = intact
        final.workItems = []
        let result = check(checker, [complete], final)
        #expect(result.verdict == .fail)
        #expect(result.names("acked-completion-missing", key: "item-1"))
    }

    @Test func ackedCompletionWithOtherOutputFailsAckedDurable() {
        var final = intact
        final.workItems = [item("item-1", token: 2, released: 2, output: "result-from-stale-holder")]
        let result = check(checker, [complete], final)
        #expect(result.verdict == .fail)
        #expect(result.names("acked-completion-changed", key: "item-1"))
        #expect(result.shows("acked-completion-changed", complete))
    }

    @Test func ackedCompletionWithOtherReleasedTokenFailsAckedDurable() {
        var final = intact
        final.workItems = [item("item-1", token: 3, released: 3, output: "result-1")]
        #expect(check(checker, [complete], final).names("acked-completion-changed", key: "item-1"))
    }

    @Test func ackedCompletionOfItemBackInProgressFailsAckedDurable() {
        var final = intact
        final.workItems = [item("item-1", "in_progress", token: 2, released: nil, output: nil)]
        #expect(check(checker, [complete], final).verdict == .fail)
    }

    @Test func ackedCacheEntryMissingFailsAckedDurable() {
        var final = intact
        final.idempotency = [entry("tk", result: "{\"line\":\"t:0\"}")]
        let result = check(checker, [generate], final)
        #expect(result.verdict == .fail)
        #expect(result.names("acked-entry-missing", key: "ck"))
    }

    @Test func ackedCacheEntryNotDoneFailsAckedDurable() {
        var final = intact
        final.idempotency = [entry("ck", kind: "llm", status: "claimed", result: nil)]
        let result = check(checker, [generate], final)
        #expect(result.verdict == .fail)
        #expect(result.names("acked-entry-changed", key: "ck"))
    }

    @Test func ackedToolResultChangedFailsAckedDurable() {
        var final = intact
        final.idempotency = [entry("tk", result: "{\"line\":\"t:1\"}")]
        let replay = op("tool.replay", "tk", "ok", ["output": "{\"line\":\"t:0\"}", "reran": false])
        let result = check(checker, [replay], final)
        #expect(result.verdict == .fail)
        #expect(result.names("acked-entry-changed", key: "tk"))
        #expect(result.shows("acked-entry-changed", replay))
    }

    @Test func acknowledgementWithoutProtocolFieldsIsUnknown() {
        let result = check(checker, [op("checkpoint.commit", "task-1", "ok", ["seq": 1])], intact)
        #expect(result.verdict == .unknown)
        #expect(result.detail.contains("sha256"))
    }
}
