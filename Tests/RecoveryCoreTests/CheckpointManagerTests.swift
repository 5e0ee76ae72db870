import OrdealSupport
import Testing

@testable import RecoveryCore

@Suite struct CheckpointManagerTests {
    let env: TestEnv
    init() throws { env = try TestEnv() }

    @discardableResult
    func commit(
        _ task: String, _ snapshot: JSONValue = ["n": 1], type: CheckpointType = .manualCheckpoint,
        evidence: EvidencePack = passingEvidence, verify: Bool = true
    ) throws -> Checkpoint {
        let manager = env.checkpoints()
        return try manager.commitStep(manager.beginStep(taskID: task, type: type, snapshot: snapshot), evidence: evidence, verify: verify)
    }

    @Test(arguments: CheckpointType.allCases)
    func everyCheckpointTypeIsAcceptedByName(type: CheckpointType) throws {
        let manager = env.checkpoints()
        let step = try manager.beginStep(taskID: "t", typeName: type.rawValue, snapshot: ["k": "v"])
        #expect(step.type == type)
        let stored = try manager.commitStep(step, evidence: passingEvidence)
        #expect(try manager.checkpoint(stored.id).type == type)
    }

    @Test func thereAreExactlyEightCheckpointTypes() {
        #expect(CheckpointType.allCases.count == 8)
        #expect(CheckpointType.validNames.split(separator: ",").count == 8)
    }

    @Test func anUnknownTypeNameIsRejectedWithTheValidNames() {
        let error = #expect(throws: RecoveryError.self) {
            try env.checkpoints().beginStep(taskID: "t", typeName: "iteration_middle", snapshot: nil)
        }
        #expect(error?.code == .invalidCheckpointType)
        for type in CheckpointType.allCases { #expect(error?.message.contains(type.rawValue) == true) }
        #expect(error?.message.contains("'iteration_middle'") == true)
    }

    @Test func anEmptyTaskIDIsRejected() {
        let error = #expect(throws: RecoveryError.self) { try env.checkpoints().beginStep(taskID: "", type: .iterationEnd, snapshot: nil) }
        #expect(error?.code == .invalidArgument)
    }

    @Test func aSnapshotWithNaNIsRejectedAsInvalid() {
        let error = #expect(throws: RecoveryError.self) {
            try env.checkpoints().beginStep(taskID: "t", type: .iterationEnd, snapshot: ["x": .double(.nan)])
        }
        #expect(error?.code == .invalidSnapshot)
    }

    @Test func beginningAStepWritesNothing() throws {
        _ = try env.checkpoints().beginStep(taskID: "t", type: .iterationStart, snapshot: ["a": 1])
        #expect(try env.checkpoints().list(taskID: "t").isEmpty)
    }

    @Test func sequenceNumbersRunFromOnePerTaskIndependently() throws {
        for i in 0..<4 { try commit("a", ["i": .int(Int64(i))]) }
        for i in 0..<2 { try commit("b", ["i": .int(Int64(i))]) }
        #expect(try env.checkpoints().list(taskID: "a").map(\.sequence) == [4, 3, 2, 1])
        #expect(try env.checkpoints().list(taskID: "b").map(\.sequence) == [2, 1])
    }

    @Test func sequenceNumbersAreNeverReusedAfterDelete() throws {
        let first = try commit("t", verify: false)
        let second = try commit("t", verify: false)
        try commit("t", verify: false)
        #expect(try env.checkpoints().delete(taskID: "t", sequences: [first.sequence, second.sequence]) == 2)
        #expect(try env.checkpoints().cleanup(taskID: "t", keepNewest: 0) == 0)
        let next = try commit("t", verify: false)
        #expect(next.sequence == 4)
        #expect(try env.checkpoints().list(taskID: "t").map(\.sequence) == [4, 3])
    }

    @Test func theNewestCheckpointIsNeverDeletedSoItsNumberStaysTaken() throws {
        try commit("t", verify: false)
        let newest = try commit("t", verify: false)
        #expect(try env.checkpoints().delete(taskID: "t", sequences: [newest.sequence]) == 0)
        #expect(try env.checkpoints().list(taskID: "t").first?.id == newest.id)
        #expect(try commit("t", verify: false).sequence == 3)
    }

    @Test func theSnapshotIsStoredCanonicalWithItsSHA256() throws {
        let snapshot: JSONValue = ["z": "a/b", "a": [3, 1], "m": ["y": nil, "x": 1.5]]
        let stored = try commit("t", snapshot)
        let expected = #"{"a":[3,1],"m":{"x":1.5,"y":null},"z":"a/b"}"#
        #expect(stored.snapshotJSON == expected)
        #expect(stored.snapshotSHA256 == Digest.sha256Hex(expected))
        let row = try #require(try env.backend.checkpoint(id: stored.id))
        #expect(row.snapshot == expected)
        #expect(row.snapshotSHA256 == Digest.sha256Hex(expected))
        let read = try env.checkpoints().checkpoint(stored.id)
        #expect(read.snapshot == snapshot)
        #expect(read.evidence == passingEvidence)
        #expect(read.verified)
        #expect(read.verifiedAtMillis == env.clock.nowMillis())
        // Every item held, so no report was stored: the verdict is `verified`/`verifiedAtMillis`.
        #expect(read.verification == nil)
        #expect(row.verification == nil)
        #expect(read.createdAtMillis == env.clock.nowMillis())
    }

    @Test func commitWithoutVerifyStoresAnUnverifiedCheckpoint() throws {
        let stored = try commit("t", verify: false)
        #expect(!stored.verified)
        #expect(stored.verification == nil)
        #expect(try env.checkpoints().lastVerified(taskID: "t") == nil)
    }

    @Test func commitWithFailingEvidenceIsStoredUnverified() throws {
        let stored = try commit("t", evidence: failingEvidence)
        #expect(!stored.verified)
        #expect(stored.verification?.verified == false)
        #expect(try env.checkpoints().lastVerified(taskID: "t") == nil)
    }

    @Test func readingAnUnknownIDThrowsNotFound() {
        let error = #expect(throws: RecoveryError.self) { try env.checkpoints().checkpoint(CheckpointID(taskID: "t", sequence: 999)) }
        #expect(error?.code == .checkpointNotFound)
        let verifyError = #expect(throws: RecoveryError.self) { try env.checkpoints().verify(CheckpointID(taskID: "t", sequence: 999)) }
        #expect(verifyError?.code == .checkpointNotFound)
    }

    @Test func aTamperedSnapshotThrowsCorruptSnapshot() throws {
        let stored = try commit("t", ["balance": 100])
        try env.backend.execute("UPDATE checkpoints SET snapshot = ?1 WHERE task_id = ?2 AND seq = ?3", [.text(#"{"balance":1000000}"#), .text(stored.taskID), .int(stored.sequence)])
        let error = #expect(throws: RecoveryError.self) { try env.checkpoints().checkpoint(stored.id) }
        #expect(error?.code == .corruptSnapshot)
        #expect(error?.message.contains(stored.snapshotSHA256) == true)
    }

    @Test func lastVerifiedSkipsATamperedCheckpointAndMarksItUnverified() throws {
        let older = try commit("t", ["step": 1])
        let newer = try commit("t", ["step": 2])
        try env.backend.execute("UPDATE checkpoints SET snapshot = '{\"step\":99}' WHERE task_id = ?1 AND seq = ?2", [.text(newer.taskID), .int(newer.sequence)])
        let found = try #require(try env.checkpoints().lastVerified(taskID: "t"))
        #expect(found.id == older.id)
        #expect(found.snapshot == ["step": 1])
        let row = try #require(try env.backend.checkpoint(id: newer.id))
        #expect(!row.verified)
        #expect(row.verification?.contains("corrupt") == true)
    }

    @Test func lastVerifiedReturnsNilWhenEveryCheckpointIsTampered() throws {
        for i in 0..<10 { try commit("t", ["i": .int(Int64(i))]) }
        try env.backend.execute("UPDATE checkpoints SET snapshot = '{}' WHERE task_id = 't'")
        #expect(try env.checkpoints().lastVerified(taskID: "t") == nil)
        #expect(try env.backend.checkpoints(CheckpointQuery(taskID: "t", verifiedOnly: true)).isEmpty)
    }

    @Test func lastVerifiedReturnsTheNewestVerifiedOfTheGivenType() throws {
        let start = try commit("t", type: .iterationStart)
        let end = try commit("t", type: .iterationEnd)
        try commit("t", type: .iterationStart, evidence: failingEvidence)
        try commit("t", type: .iterationEnd, verify: false)
        #expect(try env.checkpoints().lastVerified(taskID: "t")?.id == end.id)
        #expect(try env.checkpoints().lastVerified(taskID: "t", type: .iterationStart)?.id == start.id)
        #expect(try env.checkpoints().lastVerified(taskID: "other") == nil)
    }

    @Test func verifyRecordsTheVerdictOfTheEvidenceNow() throws {
        let file = try env.writeFile("artifact.txt", "hello")
        let stored = try commit("t", evidence: EvidencePack([.artifactExists(path: file, kind: .file)]))
        env.clock.advance(byMillis: 5_000)
        #expect(try env.checkpoints().verify(stored.id).verified)
        try env.removeFile("artifact.txt")
        env.clock.advance(byMillis: 5_000)
        let report = try env.checkpoints().verify(stored.id)
        #expect(!report.verified)
        #expect(report.checkedAtMillis == env.clock.nowMillis())
        let row = try #require(try env.backend.checkpoint(id: stored.id))
        #expect(!row.verified)
        #expect(row.verifiedAtMillis == env.clock.nowMillis())
    }

    @Test func verifyOfATamperedCheckpointReportsCorruptionInsteadOfThrowing() throws {
        let stored = try commit("t")
        try env.backend.execute("UPDATE checkpoints SET snapshot = 'garbage' WHERE task_id = ?1 AND seq = ?2", [.text(stored.taskID), .int(stored.sequence)])
        let report = try env.checkpoints().verify(stored.id)
        #expect(!report.verified)
        #expect(report.note?.contains("corrupt") == true)
        #expect(try env.backend.checkpoint(id: stored.id)?.verified == false)
    }

    @Test func rollbackReturnsTheSnapshotWhenTheEvidenceStillHolds() throws {
        let file = try env.writeFile("out.bin", "data")
        let stored = try commit("t", ["state": "ready"], evidence: EvidencePack([.artifactExists(path: file, kind: .any)]))
        #expect(try env.checkpoints().rollback(to: stored.id) == ["state": "ready"])
    }

    @Test func rollbackThrowsNotVerifiedWhenTheEvidenceNoLongerHolds() throws {
        let file = try env.writeFile("out.bin", "data")
        let stored = try commit("t", ["state": "ready"], evidence: EvidencePack([.artifactExists(path: file, kind: .file)]))
        try env.removeFile("out.bin")
        let error = #expect(throws: RecoveryError.self) { try env.checkpoints().rollback(to: stored.id) }
        #expect(error?.code == .notVerified)
        #expect(error?.message.contains("checkpoint \(stored.id)") == true)
        #expect(try env.backend.checkpoint(id: stored.id)?.verified == false)
    }

    @Test func rollbackToATamperedCheckpointThrowsCorruptSnapshot() throws {
        let stored = try commit("t")
        try env.backend.execute("UPDATE checkpoints SET snapshot = '{\"n\":2}' WHERE task_id = ?1 AND seq = ?2", [.text(stored.taskID), .int(stored.sequence)])
        let error = #expect(throws: RecoveryError.self) { try env.checkpoints().rollback(to: stored.id) }
        #expect(error?.code == .corruptSnapshot)
    }

    @Test func listReturnsNewestFirstFilteredByTypeAndLimit() throws {
        try commit("t", type: .iterationStart)
        try commit("t", type: .toolExecuted)
        try commit("t", type: .iterationStart)
        try commit("u", type: .iterationStart)
        let manager = env.checkpoints()
        #expect(try manager.list(taskID: "t").map(\.sequence) == [3, 2, 1])
        #expect(try manager.list(taskID: "t", type: .iterationStart).map(\.sequence) == [3, 1])
        #expect(try manager.list(taskID: "t", limit: 2).map(\.sequence) == [3, 2])
        #expect(try manager.list(taskID: "nobody").isEmpty)
        #expect(try env.backend.checkpointTaskIDs() == ["t", "u"])
    }

    @Test func deleteRemovesTheGivenCheckpointsButNotTheNewestVerified() throws {
        let a = try commit("t")
        let b = try commit("t")
        let c = try commit("t", verify: false)
        let d = try commit("t", verify: false)
        #expect(try env.checkpoints().delete(taskID: "t", sequences: [a.sequence, b.sequence, c.sequence]) == 2)
        #expect(try env.checkpoints().list(taskID: "t").map(\.id) == [d.id, b.id])
        #expect(try env.checkpoints().lastVerified(taskID: "t")?.id == b.id)
    }

    @Test func deleteTouchesOnlyTheGivenTaskEvenWhenSequencesCoincide() throws {
        for _ in 0..<3 { try commit("other", verify: false) }
        for _ in 0..<2 { try commit("t", verify: false) }
        // t#1 goes; t#2 is t's newest and t#3 does not exist; other#1...#3 are untouched.
        #expect(try env.checkpoints().delete(taskID: "t", sequences: [1, 2, 3]) == 1)
        #expect(try env.checkpoints().list(taskID: "other").map(\.sequence) == [3, 2, 1])
        #expect(try env.checkpoints().list(taskID: "t").map(\.sequence) == [2])
    }

    @Test func readingAnIDOfAnotherTaskThrowsNotFound() throws {
        let other = try commit("other")
        #expect(try env.checkpoints().checkpoint(other.id).taskID == "other")
        let error = #expect(throws: RecoveryError.self) {
            try env.checkpoints().checkpoint(CheckpointID(taskID: "t", sequence: other.sequence))
        }
        #expect(error?.code == .checkpointNotFound)
        #expect(error?.message.contains("t#1") == true)
    }

    @Test func cleanupKeepsTheNewestN() throws {
        for _ in 0..<6 { try commit("t", verify: false) }
        try commit("u", verify: false)
        #expect(try env.checkpoints().cleanup(taskID: "t", keepNewest: 2) == 4)
        #expect(try env.checkpoints().list(taskID: "t").map(\.sequence) == [6, 5])
        #expect(try env.checkpoints().list(taskID: "u").count == 1)
        #expect(try env.checkpoints().cleanup(taskID: "t", keepNewest: 5) == 0)
    }

    @Test func cleanupNeverDeletesTheNewestVerifiedEvenWhenItIsOld() throws {
        try commit("t")
        let verified = try commit("t")
        for _ in 0..<5 { try commit("t", verify: false) }
        #expect(try env.checkpoints().cleanup(taskID: "t", keepNewest: 2) == 4)
        #expect(try env.checkpoints().list(taskID: "t").map(\.sequence) == [7, 6, verified.sequence])
        #expect(try env.checkpoints().lastVerified(taskID: "t")?.id == verified.id)
        // Keeping fewer than one is keeping one: the newest checkpoint always stays.
        #expect(try env.checkpoints().cleanup(taskID: "t", keepNewest: 0) == 1)
        #expect(try env.checkpoints().list(taskID: "t").map(\.sequence) == [7, verified.sequence])
    }

    // MARK: stored reports

    @Test func aVerifiedCommitStoresNoReportButReturnsIt() throws {
        let stored = try commit("t")
        #expect(stored.verified)
        #expect(stored.verification?.verified == true, "the commit still returns the report it made")
        #expect(stored.verification?.items.map(\.holds) == [true])
        let row = try #require(try env.backend.checkpoint(id: stored.id))
        #expect(row.verified)
        #expect(row.verifiedAtMillis == env.clock.nowMillis())
        #expect(row.verification == nil)
        let read = try env.checkpoints().checkpoint(stored.id)
        #expect(read.verified)
        #expect(read.verification == nil)
        #expect(try env.checkpoints().lastVerified(taskID: "t")?.id == stored.id)
    }

    @Test func aCommitWhoseEvidenceFailsStoresItsReport() throws {
        let stored = try commit("t", evidence: failingEvidence)
        let row = try #require(try env.backend.checkpoint(id: stored.id))
        #expect(!row.verified)
        #expect(row.verifiedAtMillis == nil)
        let text = try #require(row.verification)
        #expect(try VerificationReport(json: JSONParser.parse(text)) == stored.verification)
        let read = try env.checkpoints().checkpoint(stored.id)
        #expect(read.verification == stored.verification)
        #expect(read.verification?.verified == false)
        #expect(read.verification?.items.map(\.holds) == [false])
        #expect(read.verification?.checkedAtMillis == env.clock.nowMillis())
    }

    @Test(arguments: [PackPolicy.allowPartial, .atLeast(1)])
    func aVerifiedCommitWithAnItemThatFailsStoresItsReport(policy: PackPolicy) throws {
        let pack = EvidencePack(passingEvidence.items + failingEvidence.items, policy: policy)
        let stored = try commit("t", evidence: pack)
        #expect(stored.verified)
        let row = try #require(try env.backend.checkpoint(id: stored.id))
        #expect(row.verified)
        #expect(row.verifiedAtMillis == env.clock.nowMillis())
        #expect(row.verification != nil, "a report with a failed item must be kept")
        let read = try env.checkpoints().checkpoint(stored.id)
        #expect(read.verification == stored.verification)
        #expect(read.verification?.verified == true)
        #expect(read.verification?.items.map(\.holds) == [true, false])
    }

    @Test func aCheckedCommitWithAnEmptyPackIsUnverifiedAndStoresItsReport() throws {
        let stored = try commit("t", evidence: .empty)
        #expect(!stored.verified)
        let row = try #require(try env.backend.checkpoint(id: stored.id))
        #expect(!row.verified)
        #expect(row.verification != nil)
        #expect(try env.checkpoints().checkpoint(stored.id).verification?.verified == false)
    }

    @Test func anUncheckedCommitStoresNoReportAndNoVerdictTime() throws {
        let stored = try commit("t", verify: false)
        let row = try #require(try env.backend.checkpoint(id: stored.id))
        #expect(!row.verified)
        #expect(row.verifiedAtMillis == nil)
        #expect(row.verification == nil)
    }

    @Test func verifyAlwaysStoresItsReportEvenWhenEveryItemHolds() throws {
        let stored = try commit("t")
        #expect(try env.backend.checkpoint(id: stored.id)?.verification == nil)
        env.clock.advance(byMillis: 1_000)
        let report = try env.checkpoints().verify(stored.id)
        #expect(report.verified)
        let row = try #require(try env.backend.checkpoint(id: stored.id))
        #expect(row.verified)
        #expect(row.verifiedAtMillis == env.clock.nowMillis())
        let text = try #require(row.verification)
        #expect(try VerificationReport(json: JSONParser.parse(text)) == report)
        #expect(try env.checkpoints().checkpoint(stored.id).verification == report)
    }

    // MARK: CheckpointID

    @Test func checkpointIDDescribesItselfAsTaskHashSequence() throws {
        #expect(CheckpointID(taskID: "t", sequence: 3).description == "t#3")
        #expect("\(CheckpointID(taskID: "build-7", sequence: 12))" == "build-7#12")
        #expect(CheckpointID(taskID: "a#b", sequence: 0).description == "a#b#0")
        try commit("job")
        let stored = try commit("job")
        #expect(stored.id == CheckpointID(taskID: "job", sequence: 2))
        #expect(stored.id.description == "job#2")
        #expect(try env.backend.checkpoint(id: stored.id)?.id == stored.id)
    }

    @Test func checkpointIDsCompareByTaskThenSequence() {
        let ids = [
            CheckpointID(taskID: "b", sequence: 1), CheckpointID(taskID: "a", sequence: 10),
            CheckpointID(taskID: "a", sequence: 2),
        ]
        #expect(ids.sorted().map(\.description) == ["a#2", "a#10", "b#1"])
        #expect(CheckpointID(taskID: "a", sequence: 1) == CheckpointID(taskID: "a", sequence: 1))
        #expect(CheckpointID(taskID: "a", sequence: 1) != CheckpointID(taskID: "b", sequence: 1))
        #expect(Set(ids + ids).count == 3)
    }

    @Test func notFoundMessagesNameTheID() {
        let error = #expect(throws: RecoveryError.self) {
            try env.checkpoints().rollback(to: CheckpointID(taskID: "gone", sequence: 4))
        }
        #expect(error?.code == .checkpointNotFound)
        #expect(error?.message.contains("gone#4") == true)
    }
}
