import Logging
import OrdealSupport

/// A step whose snapshot has been canonicalised and hashed, ready to commit.
/// Beginning a step writes nothing: a crash before `commitStep` leaves no trace.
public struct PendingStep: Sendable, Hashable {
    public let taskID: String
    public let type: CheckpointType
    public let workItemID: String?
    public let snapshot: JSONValue
    public let snapshotJSON: String
    public let snapshotSHA256: String
}

/// A stored checkpoint whose snapshot matched its hash when it was read.
public struct Checkpoint: Sendable, Hashable {
    public var id: CheckpointID { CheckpointID(taskID: taskID, sequence: sequence) }
    public let sequence: Int64
    public let taskID: String
    public let type: CheckpointType
    public let workItemID: String?
    public let snapshot: JSONValue
    /// The stored canonical JSON, byte for byte.
    public let snapshotJSON: String
    public let snapshotSHA256: String
    public let evidence: EvidencePack
    public let verified: Bool
    public let verifiedAtMillis: Int64?
    /// The report of the last check. When a commit found every item holding, none is stored
    /// (`verified` and `verifiedAtMillis` say it), and this is nil once read back.
    public let verification: VerificationReport?
    public let createdAtMillis: Int64
}

/// Checkpoints with evidence: begin, commit, verify, find the last verified, roll back,
/// list, delete and clean up.
public struct CheckpointManager: Sendable {
    public let store: any CheckpointStore
    public let clock: any RecoveryClock
    public let verifier: any EvidenceChecking
    public let logger: Logger

    public init(
        store: any CheckpointStore, clock: any RecoveryClock = SystemClock(), verifier: any EvidenceChecking = EvidenceVerifier(),
        logger: Logger = Logger(label: "ordeal.checkpoints")
    ) {
        self.store = store
        self.clock = clock
        self.verifier = verifier
        self.logger = logger
    }

    public func beginStep(
        taskID: String, type: CheckpointType, snapshot: JSONValue, workItemID: String? = nil
    ) throws(RecoveryError) -> PendingStep {
        guard !taskID.isEmpty else { throw RecoveryError(.invalidArgument, "a checkpoint needs a non-empty task id") }
        let bytes: [UInt8]
        do { bytes = try CanonicalJSON.encode(snapshot) } catch {
            throw RecoveryError(.invalidSnapshot, "the snapshot of task \(taskID) cannot be stored: \(error)")
        }
        return PendingStep(
            taskID: taskID, type: type, workItemID: workItemID, snapshot: snapshot,
            snapshotJSON: String(decoding: bytes, as: UTF8.self), snapshotSHA256: Digest.sha256Hex(bytes))
    }

    /// `beginStep` with a type given by name; an unknown name is rejected with the valid ones.
    public func beginStep(
        taskID: String, typeName: String, snapshot: JSONValue, workItemID: String? = nil
    ) throws(RecoveryError) -> PendingStep {
        try beginStep(taskID: taskID, type: CheckpointType(validating: typeName), snapshot: snapshot, workItemID: workItemID)
    }

    /// Stores the step with its evidence; the sequence number is assigned in the same transaction.
    /// With `verify`, the evidence is checked first and the verdict stored with the row.
    public func commitStep(_ step: PendingStep, evidence: EvidencePack, verify: Bool = true) throws -> Checkpoint {
        let now = clock.nowMillis()
        let report = verify ? verifier.check(evidence, atMillis: now) : nil
        let row = try store.insertCheckpoint(
            NewCheckpoint(
                taskID: step.taskID, type: step.type, workItemID: step.workItemID, snapshot: step.snapshotJSON,
                snapshotSHA256: step.snapshotSHA256, evidence: try evidence.canonicalJSON(),
                verified: report?.verified ?? false, verification: try report.flatMap(Self.storedForm),
                createdAtMillis: now))
        return Checkpoint(
            sequence: row.sequence, taskID: step.taskID, type: step.type, workItemID: step.workItemID,
            snapshot: step.snapshot, snapshotJSON: step.snapshotJSON, snapshotSHA256: step.snapshotSHA256,
            evidence: evidence, verified: row.verified, verifiedAtMillis: row.verifiedAtMillis, verification: report,
            createdAtMillis: now)
    }

    /// A commit's report is stored only when an item did not hold: when every item held, the
    /// evidence and `verifiedAtMillis` already say all it would (and the row stays small).
    static func storedForm(_ report: VerificationReport) throws -> String? {
        report.verified && report.items.allSatisfy(\.holds) ? nil : try CanonicalJSON.string(report.json)
    }

    /// The checkpoint, after checking its snapshot against its hash.
    public func checkpoint(_ id: CheckpointID) throws -> Checkpoint {
        guard let row = try store.checkpoint(id: id) else {
            throw RecoveryError(.checkpointNotFound, "no checkpoint \(id) (task \(id.taskID), sequence \(id.sequence))")
        }
        return try decode(row)
    }

    /// Re-checks the checkpoint's evidence (and its snapshot hash) and records the verdict.
    @discardableResult
    public func verify(_ id: CheckpointID) throws -> VerificationReport {
        guard let row = try store.checkpoint(id: id) else {
            throw RecoveryError(.checkpointNotFound, "no checkpoint \(id) (task \(id.taskID), sequence \(id.sequence))")
        }
        let now = clock.nowMillis()
        let report: VerificationReport
        do {
            let checkpoint = try decode(row)
            report = verifier.check(checkpoint.evidence, atMillis: now)
        } catch let error as RecoveryError where error.code == .corruptSnapshot {
            report = VerificationReport(verified: false, items: [], checkedAtMillis: now, note: error.message)
        }
        _ = try store.recordVerification(
            id: id, verified: report.verified, atMillis: now, report: try CanonicalJSON.string(report.json))
        return report
    }

    /// The newest verified checkpoint of the task (optionally of one type). With
    /// `recheckEvidence`, each candidate's evidence is checked again; one that no longer holds
    /// is marked unverified and the search goes on. A corrupt snapshot is marked and skipped.
    public func lastVerified(
        taskID: String, type: CheckpointType? = nil, recheckEvidence: Bool = false
    ) throws -> Checkpoint? {
        while true {
            let candidates = try store.checkpoints(
                CheckpointQuery(taskID: taskID, type: type, verifiedOnly: true, limit: recheckEvidence ? 8 : 1))
            guard !candidates.isEmpty else { return nil }
            for row in candidates {
                let checkpoint: Checkpoint
                do {
                    checkpoint = try decode(row)
                } catch let error as RecoveryError where error.code == .corruptSnapshot {
                    try unverify(row.id, note: error.message)
                    logger.error("skipping corrupt checkpoint", metadata: ["id": "\(row.id)", "task": "\(taskID)"])
                    continue
                }
                guard recheckEvidence else { return checkpoint }
                let report = verifier.check(checkpoint.evidence, atMillis: clock.nowMillis())
                if report.verified { return checkpoint }
                _ = try store.recordVerification(
                    id: row.id, verified: false, atMillis: report.checkedAtMillis,
                    report: try CanonicalJSON.string(report.json))
                logger.warning("evidence no longer holds", metadata: ["id": "\(row.id)", "why": "\(report.summary)"])
            }
        }
    }

    /// The snapshot to roll back to, returned only after its evidence verifies again.
    public func rollback(to id: CheckpointID) throws -> JSONValue {
        let checkpoint = try checkpoint(id)
        let report = try verify(id)
        guard report.verified else {
            throw RecoveryError(.notVerified, "cannot roll back to checkpoint \(id): \(report.summary)")
        }
        return checkpoint.snapshot
    }

    public func list(taskID: String, type: CheckpointType? = nil, limit: Int = 1000) throws -> [Checkpoint] {
        try store.checkpoints(CheckpointQuery(taskID: taskID, type: type, limit: limit)).map(decode)
    }

    /// Deletes checkpoints by id; the task's newest checkpoint and newest verified one are kept.
    public func delete(taskID: String, sequences: [Int64]) throws -> Int {
        try store.deleteCheckpoints(taskID: taskID, sequences: sequences, keepNewest: nil)
    }

    /// Keeps the newest `keepNewest` (at least 1) checkpoints of the task, and its newest verified one.
    public func cleanup(taskID: String, keepNewest: Int) throws -> Int {
        try store.deleteCheckpoints(taskID: taskID, sequences: nil, keepNewest: keepNewest)
    }

    private func unverify(_ id: CheckpointID, note: String) throws {
        let report = VerificationReport(verified: false, items: [], checkedAtMillis: clock.nowMillis(), note: note)
        _ = try store.recordVerification(
            id: id, verified: false, atMillis: report.checkedAtMillis, report: try CanonicalJSON.string(report.json))
    }

    /// Turns a stored row into a checkpoint; throws `corruptSnapshot` when the bytes and hash disagree.
    public func decode(_ row: CheckpointRow) throws -> Checkpoint {
        let actual = Digest.sha256Hex(Array(row.snapshot.utf8))
        guard actual == row.snapshotSHA256 else {
            throw RecoveryError(
                .corruptSnapshot,
                "checkpoint \(row.id) is corrupt: its snapshot hashes to \(actual), stored hash \(row.snapshotSHA256)")
        }
        let snapshot: JSONValue
        do { snapshot = try JSONParser.parse(row.snapshot) } catch {
            throw RecoveryError(.corruptSnapshot, "checkpoint \(row.id) snapshot is not JSON: \(error)")
        }
        let type = try CheckpointType(validating: row.type)
        let evidence: EvidencePack
        do { evidence = try EvidencePack(json: JSONParser.parse(row.evidence)) } catch let e as RecoveryError {
            throw e
        } catch {
            throw RecoveryError(.invalidEvidence, "checkpoint \(row.id) evidence is not JSON: \(error)")
        }
        let verification = try row.verification.flatMap { VerificationReport(json: try JSONParser.parse($0)) }
        return Checkpoint(
            sequence: row.sequence, taskID: row.taskID, type: type, workItemID: row.workItemID,
            snapshot: snapshot, snapshotJSON: row.snapshot, snapshotSHA256: row.snapshotSHA256, evidence: evidence,
            verified: row.verified, verifiedAtMillis: row.verifiedAtMillis, verification: verification,
            createdAtMillis: row.createdAtMillis)
    }
}
