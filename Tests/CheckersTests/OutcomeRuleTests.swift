import OrdealSupport
import Testing

@testable import OrdealCheckers
import OrdealModel

/// An op that was not acknowledged is judged too: a `fail` must have left no trace, and each
/// `info` (indeterminate) commit is resolved as landed or not.
@Suite struct OutcomeRuleTests {
    func commit(_ outcome: String, sha: String, t: Double) -> HistoryEvent {
        op("checkpoint.commit", "t", outcome, ["error_code": "SQLITE_IOERR_FSYNC", "sha256": .string(sha)], worker: "writer-0", t: t)
    }

    @Test func aCommitReportedFailedWhoseSnapshotIsStoredFails() {
        let acked = op("checkpoint.commit", "t", "ok", ["seq": 1, "sha256": "a"], worker: "writer-0", t: 10)
        let final = FinalState(checkpoints: [checkpoint("t", 1, sha: "a"), checkpoint("t", 2, sha: "b")])
        let result = check(AckedDurableChecker(), [acked, commit("fail", sha: "b", t: 20)], final)
        #expect(result.verdict == .fail && result.rules == ["failed-op-took-effect"])
        // The same failure that left nothing behind is a true failure.
        let clean = check(AckedDurableChecker(), [acked, commit("fail", sha: "b", t: 20)], FinalState(checkpoints: [checkpoint("t", 1, sha: "a")]))
        #expect(clean.verdict == .pass)
    }

    @Test func eachIndeterminateCommitIsResolvedAsLandedOrNot() {
        let acked = op("checkpoint.commit", "t", "ok", ["seq": 1, "sha256": "a"], worker: "writer-0", t: 10)
        let history = [acked, commit("info", sha: "b", t: 20), commit("info", sha: "c", t: 30)]
        let result = check(AckedDurableChecker(), history, FinalState(checkpoints: [checkpoint("t", 1, sha: "a"), checkpoint("t", 2, sha: "b")]))
        #expect(result.verdict == .pass)
        #expect(result.measurements["indeterminate_landed"] == 1 && result.measurements["indeterminate_not_landed"] == 1)
        #expect(result.detail.contains("of 2 indeterminate commit(s), 1 landed and 1 did not"))
    }

    /// Premise `indeterminate-landed`: it holds only when a commit without an acknowledgement is
    /// in the final state, so a lost-reply scenario whose write never landed is unknown.
    @Test func thePremiseHoldsOnlyWhenAnUnacknowledgedCommitLanded() {
        let landed = FinalState(checkpoints: [checkpoint("t", 1, sha: "a"), checkpoint("t", 2, sha: "b")])
        let (held, why) = PremiseChecker.judge(.indeterminateLanded, History([commit("info", sha: "b", t: 20)]), landed)
        #expect(held && why.contains("1 of 1 unacknowledged commit(s) landed"), "\(why)")
        let notLanded = FinalState(checkpoints: [checkpoint("t", 1, sha: "a")])
        let (missed, reason) = PremiseChecker.judge(.indeterminateLanded, History([commit("info", sha: "b", t: 20)]), notLanded)
        #expect(!missed && reason.contains("none of the 1 commit(s) without an acknowledgement landed"), "\(reason)")
        #expect(!PremiseChecker.judge(.indeterminateLanded, History([]), landed).0)
        let results = PremiseChecker.check([.indeterminateLanded], history: History([]), final: landed)
        #expect(results.first?.verdict == .unknown)
    }
}
