import RecoveryCore

extension PostgresBackend {
    static let checkpointColumns = """
        seq, task_id, type, work_item_id, snapshot, snapshot_sha256, evidence, verified, verified_at,
        verification, created_at
        """

    static func checkpointRow(_ r: PGRow) throws -> CheckpointRow {
        CheckpointRow(
            sequence: try r.int(0), taskID: try r.text(1), type: try r.text(2), workItemID: try r.optionalText(3),
            snapshot: try r.text(4), snapshotSHA256: try r.text(5), evidence: try r.text(6), verified: try r.bool(7),
            verifiedAtMillis: try r.optionalInt(8), verification: try r.optionalText(9), createdAtMillis: try r.int(10))
    }

    public func insertCheckpoint(_ c: NewCheckpoint) throws -> CheckpointRow {
        try withSession { s throws(RecoveryError) in try Self.insertCheckpoint(c, session: s) }
    }

    /// Stores `c` with its task's next number in ONE statement: the counter row is created or
    /// incremented (its row lock makes a concurrent inserter of the same task wait for this
    /// transaction), and the checkpoint is inserted with the number it returned. If the insert
    /// fails, the increment is undone with it: no gap.
    static func insertCheckpoint(_ c: NewCheckpoint, session s: PostgresSession) throws(RecoveryError) -> CheckpointRow {
        let seq = try s.query(
            """
            WITH next AS (
                INSERT INTO checkpoint_sequences AS q (task_id, last_seq) VALUES ($1, 1)
                ON CONFLICT (task_id) DO UPDATE SET last_seq = q.last_seq + 1
                RETURNING last_seq)
            INSERT INTO checkpoints (task_id, seq, type, work_item_id, snapshot, snapshot_sha256, evidence,
                verified, verified_at, verification, created_at)
            SELECT $1, last_seq, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM next
            RETURNING seq
            """,
            [
                .text(c.taskID), .text(c.type.rawValue), .optional(c.workItemID), .text(c.snapshot),
                .text(c.snapshotSHA256), .text(c.evidence), .bool(c.verified),
                c.verified ? .int(c.createdAtMillis) : .null, .optional(c.verification), .int(c.createdAtMillis),
            ], doing: "insert a checkpoint of task \(c.taskID)"
        ) { try $0.int(0) }
        guard let seq = seq.first else {
            throw RecoveryError(.storage, "the PostgreSQL backend at \(s.url) stored a checkpoint of task \(c.taskID) but returned no sequence number")
        }
        return c.row(sequence: seq)
    }

    public func checkpoint(id: CheckpointID) throws -> CheckpointRow? {
        try withSession { s throws(RecoveryError) in
            try s.query(
                "SELECT \(Self.checkpointColumns) FROM checkpoints WHERE task_id = $1 AND seq = $2",
                [.text(id.taskID), .int(id.sequence)], doing: "read checkpoint \(id)", row: Self.checkpointRow
            ).first
        }
    }

    public func checkpoints(_ q: CheckpointQuery) throws -> [CheckpointRow] {
        try withSession { s throws(RecoveryError) in
            try s.query(
                """
                SELECT \(Self.checkpointColumns) FROM checkpoints
                WHERE task_id = $1 AND ($2 = false OR verified) AND ($3::text IS NULL OR type = $3)
                ORDER BY seq DESC LIMIT $4
                """,
                [.text(q.taskID), .bool(q.verifiedOnly), .optional(q.type?.rawValue), Self.limit(q.limit)],
                doing: "list the checkpoints of task \(q.taskID)", row: Self.checkpointRow)
        }
    }

    /// A `LIMIT` parameter: a negative limit means none (NULL), as `LIMIT -1` does in SQLite.
    static func limit(_ limit: Int) -> PGValue { limit < 0 ? .null : .int(Int64(limit)) }

    public func recordVerification(id: CheckpointID, verified: Bool, atMillis: Int64, report: String?) throws -> Bool {
        try withSession { s throws(RecoveryError) in
            try s.run(
                "UPDATE checkpoints SET verified = $3, verified_at = $4, verification = $5 WHERE task_id = $1 AND seq = $2",
                [.text(id.taskID), .int(id.sequence), .bool(verified), .int(atMillis), .optional(report)],
                doing: "record the verification of checkpoint \(id)"
            ).affected == 1
        }
    }

    /// One statement, so the protected numbers (the newest verified, the newest) and the
    /// deletion see the same snapshot.
    public func deleteCheckpoints(taskID: String, sequences: [Int64]?, keepNewest: Int?) throws -> Int {
        try withSession { s throws(RecoveryError) in
            try s.run(
                """
                WITH kept AS (SELECT
                    coalesce((SELECT seq FROM checkpoints WHERE task_id = $1 AND verified ORDER BY seq DESC LIMIT 1), -1) AS verified,
                    coalesce((SELECT seq FROM checkpoints WHERE task_id = $1 ORDER BY seq DESC LIMIT 1), -1) AS newest,
                    CASE WHEN $3::bigint IS NULL THEN -1 ELSE coalesce(
                        (SELECT seq FROM checkpoints WHERE task_id = $1 ORDER BY seq DESC LIMIT 1 OFFSET $3::bigint), -1) END AS cutoff)
                DELETE FROM checkpoints c USING kept
                WHERE c.task_id = $1 AND c.seq <> kept.verified
                    AND ((c.seq = ANY($2) AND c.seq <> kept.newest) OR c.seq <= kept.cutoff)
                """,
                [.text(taskID), .ints(sequences ?? []), keepNewest.map { .int(Int64(max($0, 1))) } ?? .null],
                doing: "delete checkpoints of task \(taskID)"
            ).affected
        }
    }

    public func checkpointTaskIDs() throws -> [String] {
        try withSession { s throws(RecoveryError) in
            try s.query("SELECT DISTINCT task_id FROM checkpoints ORDER BY task_id", doing: "list the tasks with checkpoints") {
                try $0.text(0)
            }
        }
    }
}
