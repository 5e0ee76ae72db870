import RecoveryCore

/// Idempotency keys: every claim is one conditional statement (insert-if-absent or a
/// compare-and-swap on the token), so exactly one of several contenders wins.
extension PostgresBackend {
    static let entryColumns = """
        key, kind, status, task_id, request, result, error, owner, claim_token, claim_expires_at, created_at,
        completed_at, expires_at
        """
    /// The same without the request text, which can be long: what the hot lookup reads.
    static let lookupColumns = """
        key, kind, status, task_id, NULL::text, result, error, owner, claim_token, claim_expires_at, created_at,
        completed_at, expires_at
        """

    static func entryRow(_ r: PGRow) throws -> IdempotencyEntry {
        IdempotencyEntry(
            key: try r.text(0), kind: IdempotencyKind(rawValue: try r.text(1)) ?? .tool,
            status: IdempotencyStatus(rawValue: try r.text(2)) ?? .failed, taskID: try r.optionalText(3),
            request: try r.optionalText(4), result: try r.optionalText(5), error: try r.optionalText(6),
            owner: try r.text(7), claimToken: try r.int(8), claimExpiresAtMillis: try r.int(9),
            createdAtMillis: try r.int(10), completedAtMillis: try r.optionalInt(11), expiresAtMillis: try r.optionalInt(12))
    }

    public func storedResult(key: String, nowMillis: Int64) throws -> String? {
        try withSession { s throws(RecoveryError) in
            try s.query(
                "SELECT result FROM idempotency WHERE key = $1 AND status = 'done' AND expires_at > $2",
                [.text(key), .int(nowMillis)], doing: "read the result of key \(key)"
            ) { try $0.text(0) }.first
        }
    }

    public func entry(key: String) throws -> IdempotencyEntry? {
        try withSession { s throws(RecoveryError) in
            try s.query(
                "SELECT \(Self.lookupColumns) FROM idempotency WHERE key = $1", [.text(key)],
                doing: "read key \(key)", row: Self.entryRow
            ).first
        }
    }

    public func claimKey(_ c: IdempotencyClaim, replacing token: Int64?) throws -> Int64? {
        try withSession { s throws(RecoveryError) in
            let what = "claim key \(c.key)"
            guard let token else {
                let inserted = try s.run(
                    """
                    INSERT INTO idempotency (key, kind, status, task_id, request, owner, claim_token, claim_expires_at, created_at)
                    VALUES ($1, $2, 'claimed', $3, $4, $5, 1, $6, $7) ON CONFLICT (key) DO NOTHING
                    """,
                    [.text(c.key), .text(c.kind.rawValue), .optional(c.taskID), .text(c.request), .text(c.owner),
                     .int(c.claimExpiresAtMillis), .int(c.nowMillis)], doing: what
                ).affected
                return inserted == 1 ? 1 : nil
            }
            let changed = try s.run(
                """
                UPDATE idempotency SET status = 'claimed', owner = $3, claim_token = claim_token + 1,
                    claim_expires_at = $4, result = NULL, error = NULL, completed_at = NULL, expires_at = NULL
                WHERE key = $1 AND claim_token = $2
                """, [.text(c.key), .int(token), .text(c.owner), .int(c.claimExpiresAtMillis)], doing: what
            ).affected
            return changed == 1 ? token + 1 : nil
        }
    }

    public func completeKey(key: String, token: Int64, result: String, nowMillis: Int64, expiresAtMillis: Int64) throws -> Bool {
        try withSession { s throws(RecoveryError) in
            try s.run(
                """
                UPDATE idempotency SET status = 'done', result = $3, error = NULL, completed_at = $4, expires_at = $5
                WHERE key = $1 AND claim_token = $2 AND status = 'claimed'
                """, [.text(key), .int(token), .text(result), .int(nowMillis), .int(expiresAtMillis)],
                doing: "store the result of key \(key)"
            ).affected == 1
        }
    }

    public func failKey(key: String, token: Int64, error: String, nowMillis: Int64) throws -> Bool {
        try withSession { s throws(RecoveryError) in
            try s.run(
                """
                UPDATE idempotency SET status = 'failed', error = $3, completed_at = $4
                WHERE key = $1 AND claim_token = $2 AND status = 'claimed'
                """, [.text(key), .int(token), .text(error), .int(nowMillis)], doing: "store the failure of key \(key)"
            ).affected == 1
        }
    }

    public func deleteKey(key: String) throws -> Bool {
        try withSession { s throws(RecoveryError) in
            try s.run("DELETE FROM idempotency WHERE key = $1", [.text(key)], doing: "delete key \(key)").affected == 1
        }
    }

    public func entries(kind: IdempotencyKind, taskID: String?, limit: Int) throws -> [IdempotencyEntry] {
        try withSession { s throws(RecoveryError) in
            try s.query(
                """
                SELECT \(Self.entryColumns) FROM idempotency WHERE kind = $1 AND ($2::text IS NULL OR task_id = $2)
                ORDER BY created_at DESC, key LIMIT $3
                """, [.text(kind.rawValue), .optional(taskID), Self.limit(limit)],
                doing: "list \(kind.rawValue) keys", row: Self.entryRow)
        }
    }

    public func purgeExpired(kind: IdempotencyKind, nowMillis: Int64) throws -> Int {
        try withSession { s throws(RecoveryError) in
            try s.run(
                "DELETE FROM idempotency WHERE kind = $1 AND status = 'done' AND expires_at <= $2",
                [.text(kind.rawValue), .int(nowMillis)], doing: "purge expired \(kind.rawValue) keys"
            ).affected
        }
    }
}
