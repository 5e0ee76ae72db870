import OrdealSupport
import Testing

@testable import OrdealCheckers
import OrdealModel

/// A checkpoint's verdict is judged against its own evidence: evidence that proves nothing
/// (issue #11, class 15) must never be held verified, and a recheck after the artifact is gone
/// must say it no longer holds.
@Suite struct EvidenceRuleTests {
    static let sha = String(repeating: "a", count: 64)

    func exit(observed: JSONValue, expected: Int64 = 0) -> JSONValue {
        ["kind": "command_exit", "command": "write", "expected": .int(expected), "observed": observed]
    }

    func pack(_ items: [JSONValue], policy: JSONValue = ["kind": "require_all"]) -> JSONValue {
        ["policy": policy, "items": .array(items)]
    }

    func record(_ seq: Int64, verified: Bool, evidence: JSONValue) -> FinalState.CheckpointRecord {
        FinalState.CheckpointRecord(
            task: "t", seq: seq, sha256: "h", snapshotOK: true, verified: verified, type: "manual_checkpoint", evidence: evidence)
    }

    @Test func evidenceThatCanNeverHoldIsToldFromEvidenceThatMight() {
        let row: JSONValue = ["kind": "db_row", "database": "d.db", "table": "results", "match": [:]]
        let goodRow: JSONValue = ["kind": "db_row", "database": "d.db", "table": "results", "match": ["step": "t:1"]]
        let file: JSONValue = ["kind": "file_sha256", "path": "/x", "sha256": .string(Self.sha)]
        #expect(EvidenceRules.cannotVerify(pack([]))?.contains("empty") == true)
        #expect(EvidenceRules.cannotVerify(pack([exit(observed: .null)]))?.contains("no exit code was observed") == true)
        #expect(EvidenceRules.cannotVerify(pack([exit(observed: 1)]))?.contains("exited 1, expected 0") == true)
        #expect(EvidenceRules.cannotVerify(pack([row]))?.contains("names no column") == true)
        #expect(EvidenceRules.cannotVerify(pack([["kind": "file_sha256", "path": "/x", "sha256": "abc"]])) != nil)
        #expect(EvidenceRules.cannotVerify(pack([exit(observed: 0), goodRow, file, ["kind": "artifact_exists", "path": "/x"]])) == nil)
        // The policy decides: one item that may hold satisfies allow_partial, not at_least 2.
        #expect(EvidenceRules.cannotVerify(pack([exit(observed: .null), file], policy: ["kind": "allow_partial"])) == nil)
        #expect(EvidenceRules.cannotVerify(pack([exit(observed: .null), file], policy: ["kind": "at_least", "n": 2])) != nil)
        #expect(EvidenceRules.cannotVerify(pack([exit(observed: .null), file])) != nil)
    }

    @Test func aCheckpointHeldVerifiedOnEvidenceThatProvesNothingFailsIntegrity() {
        let final = FinalState(checkpoints: [
            record(1, verified: true, evidence: pack([exit(observed: 0)])), record(2, verified: true, evidence: pack([])),
        ])
        let result = check(IntegrityChecker(), [], final)
        #expect(result.verdict == .fail && result.rules == ["vacuous-evidence-verified"])
        #expect(result.detail.contains("1 of 1 verdict(s) on evidence that proves nothing said verified"), "\(result.detail)")
        // The same evidence stored unverified is what a sound core does.
        let sound = FinalState(checkpoints: [record(1, verified: true, evidence: pack([exit(observed: 0)])), record(2, verified: false, evidence: pack([]))])
        let passed = check(IntegrityChecker(), [], sound)
        #expect(passed.verdict == .pass && passed.detail.contains("refused all 1 verdicts"), "\(passed.detail)")
    }

    /// No "all 0 snapshots hash correctly": a state with no checkpoint says only what it found.
    @Test func integrityOverNoCheckpointSaysNoFigureOfZero() {
        let result = check(IntegrityChecker(), [], FinalState(workItems: [item("i1")]))
        #expect(result.verdict == .pass && result.detail == "the integrity check found nothing", "\(result.detail)")
        let one = check(IntegrityChecker(), [], FinalState(checkpoints: [record(1, verified: true, evidence: pack([exit(observed: 0)]))]))
        #expect(one.detail.contains("the one undamaged snapshot hashes correctly"), "\(one.detail)")
    }

    @Test func aRecheckAfterTheArtifactWasRemovedThatStillSaysVerifiedFails() {
        let final = FinalState(checkpoints: [record(1, verified: false, evidence: pack([exit(observed: 0)]))])
        let stale = op("checkpoint.recheck", "t", "ok", ["seq": 1, "verified": true, "artifact_removed": true])
        let result = check(IntegrityChecker(), [stale], final)
        #expect(result.verdict == .fail && result.rules == ["stale-verification"])
        let fresh = op("checkpoint.recheck", "t", "ok", ["seq": 1, "verified": false, "artifact_removed": true])
        #expect(check(IntegrityChecker(), [fresh], final).verdict == .pass)
    }

    @Test func thePremiseHoldsOnlyWhenSomeEvidenceProvedNothingOrAnArtifactWasRemoved() {
        let sound = FinalState(checkpoints: [record(1, verified: true, evidence: pack([exit(observed: 0)]))])
        let (held, why) = PremiseChecker.judge(.vacuousEvidence, History([]), sound)
        #expect(!held && why.contains("1 of 1 final checkpoints report their evidence"), "\(why)")
        #expect(!PremiseChecker.judge(.vacuousEvidence, History([]), nil).0)
        let vacuous = FinalState(checkpoints: [record(1, verified: false, evidence: pack([]))])
        #expect(PremiseChecker.judge(.vacuousEvidence, History([]), vacuous).0)
        let recheck = op("checkpoint.recheck", "t", "ok", ["seq": 1, "verified": false, "artifact_removed": true])
        #expect(PremiseChecker.judge(.vacuousEvidence, History([recheck]), sound).0)
    }
}
