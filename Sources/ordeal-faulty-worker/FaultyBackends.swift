import OrdealSupport
import RecoveryCore
import Synchronization
import WorkerKit

// TEST-ONLY. Each backend below breaks exactly one guarantee of the storage interface, so the
// real role running over it acknowledges something untrue.

/// lost-ack: every 3rd checkpoint is not stored, yet returned as committed under a made-up
/// sequence number (1,000,000 + the call's number) with the snapshot's hash.
final class LostAckBackend: ForwardingBackend, @unchecked Sendable {
    private let calls = Mutex(0)

    override func insertCheckpoint(_ c: NewCheckpoint) throws -> CheckpointRow {
        let n = calls.withLock { n in
            n += 1
            return n
        }
        guard n % 3 == 0 else { return try base.insertCheckpoint(c) }
        return CheckpointRow(
            sequence: 1_000_000 + Int64(n), taskID: c.taskID, type: c.type.rawValue, workItemID: c.workItemID,
            snapshot: c.snapshot, snapshotSHA256: c.snapshotSHA256, evidence: c.evidence, verified: c.verified,
            verifiedAtMillis: c.verified ? c.createdAtMillis : nil, verification: c.verification,
            createdAtMillis: c.createdAtMillis)
    }
}

/// corrupt-snapshot: the first checkpoint this process commits has its stored snapshot
/// overwritten right after the commit (its stored hash is left alone).
final class CorruptSnapshotBackend: ForwardingBackend, @unchecked Sendable {
    private let corrupted = Mutex(false)

    override func insertCheckpoint(_ c: NewCheckpoint) throws -> CheckpointRow {
        let row = try base.insertCheckpoint(c)
        let first = corrupted.withLock { done in
            defer { done = true }
            return !done
        }
        if first {
            try sqlite.execute(
                "UPDATE checkpoints SET snapshot = ?1 WHERE task_id = ?2 AND seq = ?3",
                [.text("{\"corrupted\":true}"), .text(row.taskID), .int(row.sequence)])
        }
        return row
    }
}

/// unchecked-snapshot: every checkpoint row read carries the hash of the snapshot as read, in
/// place of the stored hash: a store that "verifies" what it hands back against itself.
final class UncheckedSnapshotBackend: ForwardingBackend, @unchecked Sendable {
    private static func rehashed(_ row: CheckpointRow) -> CheckpointRow {
        var row = row
        row.snapshotSHA256 = Digest.sha256Hex(Array(row.snapshot.utf8))
        return row
    }

    override func checkpoint(id: CheckpointID) throws -> CheckpointRow? { try base.checkpoint(id: id).map(Self.rehashed) }
    override func checkpoints(_ query: CheckpointQuery) throws -> [CheckpointRow] { try base.checkpoints(query).map(Self.rehashed) }
}

/// retention-drops-verified: retention keeps the newest N checkpoints by sequence and nothing
/// else: the task's newest verified checkpoint, its resume point, goes once N newer ones exist
/// (the store's own clean-up less its protection of that checkpoint).
final class RetentionDropsVerifiedBackend: ForwardingBackend, @unchecked Sendable {
    override func deleteCheckpoints(taskID: String, sequences: [Int64]?, keepNewest: Int?) throws -> Int {
        guard sequences == nil, let keepNewest else {
            return try base.deleteCheckpoints(taskID: taskID, sequences: sequences, keepNewest: keepNewest)
        }
        return try sqlite.execute(
            """
            DELETE FROM checkpoints WHERE task_id = ?1 AND seq <= COALESCE(
                (SELECT seq FROM checkpoints WHERE task_id = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2), -1)
            """, [.text(taskID), .int(Int64(max(keepNewest, 1)))])
    }
}

/// stale-complete: completing an item ignores the fencing token (and whether the item is
/// still in progress), so a holder whose lease was taken over still completes it.
final class StaleCompleteBackend: ForwardingBackend, @unchecked Sendable {
    override func release(itemID: String, fencingToken: Int64, outcome: LeaseRelease, nowMillis: Int64) throws {
        guard case .completed(let output) = outcome else {
            return try base.release(itemID: itemID, fencingToken: fencingToken, outcome: outcome, nowMillis: nowMillis)
        }
        try sqlite.execute(
            "UPDATE work_items SET status = 'completed', output = ?1, released_token = ?2, updated_at = ?3 WHERE item_id = ?4",
            [.text(output), .int(fencingToken), .int(nowMillis), .text(itemID)])
    }
}

/// double-effect: after a tool ran, and before its result is recorded, its effect (the line
/// `command`, appended to the effects file) happens a second time.
final class DoubleEffectBackend: ForwardingBackend, @unchecked Sendable {
    let effects: String
    /// The command of each claimed tool key, read from the claim's canonical request.
    private let commands = Mutex([String: String]())

    init(_ base: any RecoveryBackend, effects: String) {
        self.effects = effects
        super.init(base)
    }

    override func claimKey(_ claim: IdempotencyClaim, replacing token: Int64?) throws -> Int64? {
        if claim.kind == .tool, let command = (try? JSONParser.parse(claim.request))?["command"]?.stringValue {
            commands.withLock { $0[claim.key] = command }
        }
        return try base.claimKey(claim, replacing: token)
    }

    override func completeKey(
        key: String, token: Int64, result: String, nowMillis: Int64, expiresAtMillis: Int64
    ) throws -> Bool {
        if let command = commands.withLock({ $0.removeValue(forKey: key) }) {
            try Effects.append(effects, command)
        }
        return try base.completeKey(key: key, token: token, result: result, nowMillis: nowMillis, expiresAtMillis: expiresAtMillis)
    }
}

/// bad-resume: the task runner sees neither the task's record nor any verified checkpoint, so
/// a restarted task starts again from step 0 (its tool calls replay from the ledger, so the
/// effects are the same) and acknowledges its earlier steps again.
final class BadResumeBackend: ForwardingBackend, @unchecked Sendable {
    override func task(id: String) throws -> TaskRecord? { nil }

    override func checkpoints(_ query: CheckpointQuery) throws -> [CheckpointRow] {
        query.verifiedOnly ? [] : try base.checkpoints(query)
    }
}

/// lying-durability: the spec says what the worker was asked for (`sqlite:full`), but the
/// backend underneath commits with synchronous=OFF: acknowledged commits sit in the page cache.
final class LyingDurabilityBackend: ForwardingBackend, @unchecked Sendable {
    private let claimed: String

    init(claiming real: any RecoveryBackend, path: String) throws {
        claimed = real.spec
        super.init(try SQLiteBackend(path: path, options: SQLiteOptions(durability: .off)))
    }

    override var spec: String { claimed }
}
