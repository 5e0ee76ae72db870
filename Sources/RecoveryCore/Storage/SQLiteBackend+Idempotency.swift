extension SQLiteBackend {
    static let entryColumns = """
        key, kind, status, task_id, request, result, error, owner, claim_token, claim_expires_at, created_at,
        completed_at, expires_at
        """
    /// The same without the request text, which can be long: what the hot lookup reads.
    static let lookupColumns = """
        key, kind, status, task_id, NULL, result, error, owner, claim_token, claim_expires_at, created_at,
        completed_at, expires_at
        """

    static func entryRow(_ r: SQLiteRow) -> IdempotencyEntry {
        IdempotencyEntry(
            key: r.text(0), kind: IdempotencyKind(rawValue: r.text(1)) ?? .tool,
            status: IdempotencyStatus(rawValue: r.text(2)) ?? .failed, taskID: r.optionalText(3), request: r.optionalText(4),
            result: r.optionalText(5), error: r.optionalText(6), owner: r.text(7), claimToken: r.int(8),
            claimExpiresAtMillis: r.int(9), createdAtMillis: r.int(10), completedAtMillis: r.optionalInt(11),
            expiresAtMillis: r.optionalInt(12))
    }

    public func storedResult(key: String, nowMillis: Int64) throws -> String? {
        try withConnection { db in
            try db.queryOne(
                "SELECT result FROM idempotency WHERE key = ?1 AND status = 'done' AND expires_at > ?2",
                [.text(key), .int(nowMillis)], row: { $0.text(0) })
        }
    }

    public func entry(key: String) throws -> IdempotencyEntry? {
        try withConnection { db in
            try db.queryOne("SELECT \(Self.lookupColumns) FROM idempotency WHERE key = ?1", [.text(key)], row: Self.entryRow)
        }
    }

    public func claimKey(_ c: IdempotencyClaim, replacing token: Int64?) throws -> Int64? {
        try withConnection { db in
            try db.write {
                guard let token else {
                    let inserted = try db.run(
                        """
                        INSERT INTO idempotency (key, kind, status, task_id, request, owner, claim_token,
                            claim_expires_at, created_at)
                        VALUES (?1, ?2, 'claimed', ?3, ?4, ?5, 1, ?6, ?7) ON CONFLICT (key) DO NOTHING
                        """,
                        [.text(c.key), .text(c.kind.rawValue), .optional(c.taskID), .text(c.request), .text(c.owner),
                         .int(c.claimExpiresAtMillis), .int(c.nowMillis)])
                    return inserted == 1 ? 1 : nil
                }
                let changed = try db.run(
                    """
                    UPDATE idempotency SET status = 'claimed', owner = ?3, claim_token = claim_token + 1,
                        claim_expires_at = ?4, result = NULL, error = NULL, completed_at = NULL, expires_at = NULL
                    WHERE key = ?1 AND claim_token = ?2
                    """, [.text(c.key), .int(token), .text(c.owner), .int(c.claimExpiresAtMillis)])
                return changed == 1 ? token + 1 : nil
            }
        }
    }

    public func completeKey(key: String, token: Int64, result: String, nowMillis: Int64, expiresAtMillis: Int64) throws -> Bool {
        try withConnection { db in
            try db.write {
                try db.run(
                    """
                    UPDATE idempotency SET status = 'done', result = ?3, error = NULL, completed_at = ?4, expires_at = ?5
                    WHERE key = ?1 AND claim_token = ?2 AND status = 'claimed'
                    """, [.text(key), .int(token), .text(result), .int(nowMillis), .int(expiresAtMillis)]) == 1
            }
        }
    }

    public func failKey(key: String, token: Int64, error: String, nowMillis: Int64) throws -> Bool {
        try withConnection { db in
            try db.write {
                try db.run(
                    """
                    UPDATE idempotency SET status = 'failed', error = ?3, completed_at = ?4
                    WHERE key = ?1 AND claim_token = ?2 AND status = 'claimed'
                    """, [.text(key), .int(token), .text(error), .int(nowMillis)]) == 1
            }
        }
    }

    public func deleteKey(key: String) throws -> Bool {
        try withConnection { db in
            try db.write { try db.run("DELETE FROM idempotency WHERE key = ?1", [.text(key)]) == 1 }
        }
    }

    public func entries(kind: IdempotencyKind, taskID: String?, limit: Int) throws -> [IdempotencyEntry] {
        try withConnection { db in
            if let taskID {
                return try db.query(
                    """
                    SELECT \(Self.entryColumns) FROM idempotency WHERE kind = ?1 AND task_id = ?2
                    ORDER BY created_at DESC, key LIMIT ?3
                    """, [.text(kind.rawValue), .text(taskID), .int(Int64(limit))], row: Self.entryRow)
            }
            return try db.query(
                "SELECT \(Self.entryColumns) FROM idempotency WHERE kind = ?1 ORDER BY created_at DESC, key LIMIT ?2",
                [.text(kind.rawValue), .int(Int64(limit))], row: Self.entryRow)
        }
    }

    public func purgeExpired(kind: IdempotencyKind, nowMillis: Int64) throws -> Int {
        try withConnection { db in
            try db.write {
                try db.run(
                    "DELETE FROM idempotency WHERE kind = ?1 AND status = 'done' AND expires_at <= ?2",
                    [.text(kind.rawValue), .int(nowMillis)])
            }
        }
    }
}

