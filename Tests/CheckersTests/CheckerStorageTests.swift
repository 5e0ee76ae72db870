import OrdealSupport
import Testing

@testable import OrdealCheckers
import OrdealModel

@Suite struct CheckerIntegrityTests {
    let checker = IntegrityChecker()

    @Test func cleanBackendPassesIntegrity() {
        let result = check(checker, [], FinalState(checkpoints: [checkpoint("t", 1), checkpoint("t", 2)]))
        #expect(result.verdict == .pass)
        #expect(result.measurements["corrupt_snapshots"] == 0)
    }

    @Test func integrityProblemReportedByBackendFailsIntegrity() {
        let result = check(checker, [], FinalState(integrityProblems: ["row 3 missing from index checkpoints_task"]))
        #expect(result.verdict == .fail)
        #expect(result.names("integrity-problem", key: "backend"))
        #expect(result.counterexample.first?["problem"]?.stringValue == "row 3 missing from index checkpoints_task")
    }

    @Test func snapshotThatNoLongerHashesFailsIntegrity() {
        let result = check(checker, [], FinalState(checkpoints: [checkpoint("t", 1), checkpoint("t", 2, ok: false)]))
        #expect(result.verdict == .fail)
        #expect(result.names("snapshot-corrupt", key: "t"))
        #expect(result.counterexample.first?["seq"]?.intValue == 2)
        #expect(result.measurements["corrupt_snapshots"] == 1)
    }
}

@Suite struct CheckerSequenceContiguousTests {
    let checker = SequenceContiguousChecker()

    @Test func sequencesOneToNPerTaskPassSequenceContiguous() {
        let final = FinalState(checkpoints: [checkpoint("a", 2), checkpoint("a", 1), checkpoint("b", 1)])
        let events = [
            op("checkpoint.commit", "a", "ok", ["seq": 1, "sha256": "h"]),
            op("checkpoint.commit", "a", "ok", ["seq": 2, "sha256": "h"]),
            op("checkpoint.commit", "b", "ok", ["seq": 1, "sha256": "h"]),
        ]
        let result = check(checker, events, final)
        #expect(result.verdict == .pass)
        #expect(result.measurements["tasks"] == 2)
    }

    @Test func gapInFinalSequenceFailsSequenceContiguous() {
        let result = check(checker, [], FinalState(checkpoints: [checkpoint("a", 1), checkpoint("a", 3)]))
        #expect(result.verdict == .fail)
        #expect(result.names("seq-gap", key: "a"))
        #expect(result.counterexample.first?["missing"] == [2])
    }

    @Test func sequenceNotStartingAtOneFailsSequenceContiguous() {
        let result = check(checker, [], FinalState(checkpoints: [checkpoint("a", 2), checkpoint("a", 3)]))
        #expect(result.names("seq-gap", key: "a"))
    }

    @Test func duplicateSequenceNumberFailsSequenceContiguous() {
        let result = check(checker, [], FinalState(checkpoints: [checkpoint("a", 1), checkpoint("a", 1, sha: "x")]))
        #expect(result.verdict == .fail)
        #expect(result.names("duplicate-seq", key: "a"))
    }

    @Test func sameSequenceAcknowledgedTwiceFailsSequenceContiguous() {
        let first = op("checkpoint.commit", "a", "ok", ["seq": 1, "sha256": "h1"], worker: "w-0")
        let second = op("checkpoint.commit", "a", "ok", ["seq": 1, "sha256": "h2"], worker: "w-1")
        let result = check(checker, [first, second], FinalState(checkpoints: [checkpoint("a", 1)]))
        #expect(result.verdict == .fail)
        #expect(result.names("seq-acked-twice", key: "a"))
        #expect(result.shows("seq-acked-twice", first) && result.shows("seq-acked-twice", second))
    }
}
