extension SQLiteBackend {
    static let checkpointColumns = """
        seq, task_id, type, work_item_id, snapshot, snapshot_sha256, evidence, verified, verified_at,
        verification, created_at
        """

    static func checkpointRow(_ r: SQLiteRow) -> CheckpointRow {
        CheckpointRow(
            sequence: r.int(0), taskID: r.text(1), type: r.text(2), workItemID: r.optionalText(3),
            snapshot: r.text(4), snapshotSHA256: r.text(5), evidence: r.text(6), verified: r.int(7) != 0,
            verifiedAtMillis: r.optionalInt(8), verification: r.optionalText(9), createdAtMillis: r.int(10))
    }

    public func insertCheckpoint(_ c: NewCheckpoint) throws -> CheckpointRow {
        try withConnection { db in try db.write { try Self.insertCheckpoint(c, into: db) } }
    }

    /// Stores `c` with the next sequence number of its task. Must run inside a write transaction
    /// (`BEGIN IMMEDIATE`): the number is the task's highest plus one, read from the primary key
    /// `(task_id, seq)` under the write lock, so numbers are never shared or skipped; and since a
    /// task's newest checkpoint is never deleted, never reused. The table is clustered on that
    /// key (`WITHOUT ROWID`), so a commit writes one B-tree.
    static func insertCheckpoint(_ c: NewCheckpoint, into db: SQLiteConnection) throws -> CheckpointRow {
        precondition(db.inTransaction, "insertCheckpoint outside a write transaction")
        // `ORDER BY seq DESC LIMIT 1` seeks to the task's last key; `COALESCE(MAX(seq), 0)` would
        // not get SQLite's min/max optimisation and would scan every checkpoint of the task.
        let seq = (try db.queryOne(
            "SELECT seq FROM checkpoints WHERE task_id = ?1 ORDER BY seq DESC LIMIT 1", [.text(c.taskID)],
            row: { $0.int(0) }) ?? 0) + 1
        try db.run(
            """
            INSERT INTO checkpoints (task_id, seq, type, work_item_id, snapshot, snapshot_sha256, evidence,
                verified, verified_at, verification, created_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
            """,
            [
                .text(c.taskID), .int(seq), .text(c.type.rawValue), .optional(c.workItemID), .text(c.snapshot),
                .text(c.snapshotSHA256), .text(c.evidence), .int(c.verified ? 1 : 0),
                c.verified ? .int(c.createdAtMillis) : .null, .optional(c.verification), .int(c.createdAtMillis),
            ])
        return c.row(sequence: seq)
    }

    public func checkpoint(id: CheckpointID) throws -> CheckpointRow? {
        try withConnection { db in
            try db.queryOne(
                "SELECT \(Self.checkpointColumns) FROM checkpoints WHERE task_id = ?1 AND seq = ?2",
                [.text(id.taskID), .int(id.sequence)], row: Self.checkpointRow)
        }
    }

    public func checkpoints(_ q: CheckpointQuery) throws -> [CheckpointRow] {
        try withConnection { db in
            var sql = "SELECT \(Self.checkpointColumns) FROM checkpoints WHERE task_id = ?1"
            var args: [SQLValue] = [.text(q.taskID)]
            if q.verifiedOnly { sql += " AND verified = 1" }
            if let type = q.type {
                args.append(.text(type.rawValue))
                sql += " AND type = ?\(args.count)"
            }
            args.append(.int(Int64(q.limit)))
            sql += " ORDER BY seq DESC LIMIT ?\(args.count)"
            return try db.query(sql, args, row: Self.checkpointRow)
        }
    }

    public func recordVerification(id: CheckpointID, verified: Bool, atMillis: Int64, report: String?) throws -> Bool {
        try withConnection { db in
            try db.write {
                try db.run(
                    "UPDATE checkpoints SET verified = ?3, verified_at = ?4, verification = ?5 WHERE task_id = ?1 AND seq = ?2",
                    [.text(id.taskID), .int(id.sequence), .int(verified ? 1 : 0), .int(atMillis), .optional(report)]) == 1
            }
        }
    }

    public func deleteCheckpoints(taskID: String, sequences: [Int64]?, keepNewest: Int?) throws -> Int {
        try withConnection { db in
            try db.write {
                // Never deleted: the newest verified checkpoint (the resume point) and the newest
                // checkpoint (the sequence high-water mark, so that numbers are never reused).
                let protected = try db.queryOne(
                    "SELECT seq FROM checkpoints WHERE task_id = ?1 AND verified = 1 ORDER BY seq DESC LIMIT 1",
                    [.text(taskID)], row: { $0.int(0) }) ?? -1
                let newest = try db.queryOne(
                    "SELECT seq FROM checkpoints WHERE task_id = ?1 ORDER BY seq DESC LIMIT 1",
                    [.text(taskID)], row: { $0.int(0) }) ?? -1
                var deleted = 0
                if let sequences {
                    for seq in sequences where seq != protected && seq != newest {
                        deleted += try db.run(
                            "DELETE FROM checkpoints WHERE task_id = ?1 AND seq = ?2", [.text(taskID), .int(seq)])
                    }
                }
                if let keepNewest {
                    deleted += try db.run(
                        """
                        DELETE FROM checkpoints WHERE task_id = ?1 AND seq != ?2 AND seq <= COALESCE(
                            (SELECT seq FROM checkpoints WHERE task_id = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?3), -1)
                        """, [.text(taskID), .int(protected), .int(Int64(max(keepNewest, 1)))])
                }
                return deleted
            }
        }
    }

    /// Every task that has checkpoints; for retention cleanup across tasks.
    public func checkpointTaskIDs() throws -> [String] {
        try withConnection { db in try db.query("SELECT DISTINCT task_id FROM checkpoints ORDER BY task_id") { $0.text(0) } }
    }
}
