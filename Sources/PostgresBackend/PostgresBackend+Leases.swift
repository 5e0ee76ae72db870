import RecoveryCore

/// Leases on the server's clock: every expiry below is `ordeal_now_ms()`, read once per
/// statement; the callers' `nowMillis` only stamps `updated_at`/`created_at`.
extension PostgresBackend {
    static let workItemColumns = """
        item_id, task_id, payload, status, priority, attempts, max_attempts, lease_holder, lease_expires_at,
        fencing_token, released_token, output, error, updated_at
        """

    static func workItemRow(_ r: PGRow) throws -> WorkItem {
        WorkItem(
            id: try r.text(0), taskID: try r.optionalText(1), payload: try r.text(2),
            status: WorkItemStatus(rawValue: try r.text(3)) ?? .failed, priority: try r.int(4), attempts: try r.int(5),
            maxAttempts: try r.int(6), leaseHolder: try r.optionalText(7), leaseExpiresAtMillis: try r.optionalInt(8),
            fencingToken: try r.int(9), releasedToken: try r.optionalInt(10), output: try r.optionalText(11),
            error: try r.optionalText(12), updatedAtMillis: try r.int(13))
    }

    /// All or nothing, in one transaction. The first offending item (in the order given) names
    /// the error, as in SQLite: a bad `maxAttempts`, or an id that exists or came earlier in the batch.
    public func addWorkItems(_ items: [NewWorkItem], nowMillis: Int64) throws {
        guard !items.isEmpty else { return }
        try withSession { s throws(RecoveryError) in
            let what = "add work items"
            try s.transaction(doing: what) {
                // Ids compare by their bytes: Swift's `==` would equate two normalisations of one text.
                let inserted = Set(try s.query(
                    """
                    INSERT INTO work_items (item_id, task_id, payload, status, priority, max_attempts, created_at, updated_at)
                    SELECT id, CASE WHEN has_task THEN task END, payload, 'pending', priority, max_attempts, $7, $7
                    FROM unnest($1::text[], $2::text[], $3::bool[], $4::text[], $5::bigint[], $6::bigint[])
                        AS n (id, task, has_task, payload, priority, max_attempts)
                    WHERE max_attempts >= 1
                    ON CONFLICT (item_id) DO NOTHING RETURNING item_id
                    """,
                    [
                        .texts(items.map(\.id)), .texts(items.map { $0.taskID ?? "" }), .bools(items.map { $0.taskID != nil }),
                        .texts(items.map(\.payload)), .ints(items.map(\.priority)), .ints(items.map(\.maxAttempts)),
                        .int(nowMillis),
                    ], doing: what
                ) { Array(try $0.text(0).utf8) })
                var seen = Set<[UInt8]>()
                for item in items {
                    guard item.maxAttempts >= 1 else {
                        throw RecoveryError(.invalidArgument, "work item \(item.id): maxAttempts must be at least 1")
                    }
                    guard seen.insert(Array(item.id.utf8)).inserted, inserted.contains(Array(item.id.utf8)) else {
                        throw RecoveryError(.duplicateWorkItem, "work item \(item.id) already exists; choose another id")
                    }
                }
            }
        }
    }

    /// One statement: the best pending item, else the longest-expired lease (on the server's
    /// clock) that still has an attempt left. `FOR UPDATE SKIP LOCKED` lets concurrent
    /// acquirers pass each other instead of queueing on the same row; the second candidate is
    /// looked for only when there is no pending one.
    public func acquire(holder: String, nowMillis: Int64, leaseMillis: Int64) throws -> Lease? {
        try withSession { s throws(RecoveryError) in
            try s.query(
                """
                WITH t AS MATERIALIZED (SELECT ordeal_now_ms() AS now)
                UPDATE work_items w SET
                    attempts = w.attempts + (CASE WHEN w.status = 'in_progress' THEN 1 ELSE 0 END),
                    status = 'in_progress', lease_holder = $1, lease_expires_at = t.now + $3,
                    fencing_token = w.fencing_token + 1, updated_at = $2
                FROM t
                WHERE w.item_id = COALESCE(
                    (SELECT item_id FROM work_items WHERE status = 'pending'
                        ORDER BY priority DESC, created_at, item_id LIMIT 1 FOR UPDATE SKIP LOCKED),
                    (SELECT item_id FROM work_items WHERE status = 'in_progress'
                        AND lease_expires_at <= (SELECT now FROM t) AND attempts + 1 < max_attempts
                        ORDER BY lease_expires_at, inserted LIMIT 1 FOR UPDATE SKIP LOCKED))
                RETURNING w.item_id, w.task_id, w.payload, w.fencing_token, w.attempts, w.lease_expires_at
                """, [.text(holder), .int(nowMillis), .int(leaseMillis)], doing: "acquire a lease for \(holder)"
            ) { r in
                Lease(
                    itemID: try r.text(0), taskID: try r.optionalText(1), payload: try r.text(2), holder: holder,
                    fencingToken: try r.int(3), attempts: try r.int(4), expiresAtMillis: try r.int(5))
            }.first
        }
    }

    public func renew(itemID: String, fencingToken: Int64, nowMillis: Int64, leaseMillis: Int64) throws -> Int64 {
        try withSession { s throws(RecoveryError) in
            let expires = try s.query(
                """
                UPDATE work_items SET lease_expires_at = ordeal_now_ms() + $3, updated_at = $4
                WHERE item_id = $1 AND fencing_token = $2 AND status = 'in_progress'
                RETURNING lease_expires_at
                """, [.text(itemID), .int(fencingToken), .int(leaseMillis), .int(nowMillis)],
                doing: "renew the lease of work item \(itemID)"
            ) { try $0.int(0) }
            guard let expires = expires.first else {
                throw try Self.leaseLost(s, itemID: itemID, token: fencingToken, action: "renew")
            }
            return expires
        }
    }

    public func release(itemID: String, fencingToken: Int64, outcome: LeaseRelease, nowMillis: Int64) throws {
        let set: String
        let text: String
        switch outcome {
        case .completed(let output):
            set = "status = 'completed', output = $3, error = NULL, released_token = $2"
            text = output
        case .failed(let error):
            set = "status = 'failed', error = $3, released_token = $2"
            text = error
        case .retry(let error):
            set = """
                attempts = attempts + 1,
                status = CASE WHEN attempts + 1 >= max_attempts THEN 'failed' ELSE 'pending' END,
                released_token = CASE WHEN attempts + 1 >= max_attempts THEN $2 ELSE NULL END, error = $3
                """
            text = error
        }
        try withSession { s throws(RecoveryError) in
            let changed = try s.run(
                """
                UPDATE work_items SET \(set), lease_holder = NULL, lease_expires_at = NULL, updated_at = $4
                WHERE item_id = $1 AND fencing_token = $2 AND status = 'in_progress'
                """, [.text(itemID), .int(fencingToken), .text(text), .int(nowMillis)],
                doing: "release work item \(itemID)"
            ).affected
            guard changed == 1 else { throw try Self.leaseLost(s, itemID: itemID, token: fencingToken, action: "release") }
        }
    }

    /// Says why a token no longer holds the item, in the wording every backend shares.
    static func leaseLost(_ s: PostgresSession, itemID: String, token: Int64, action: String) throws(RecoveryError) -> RecoveryError {
        let item = try s.query(
            "SELECT \(workItemColumns) FROM work_items WHERE item_id = $1", [.text(itemID)],
            doing: "read work item \(itemID)", row: workItemRow
        ).first
        return leaseLostError(item: item, itemID: itemID, token: token, action: action)
    }

    /// One bounded batch, one transaction. The expiry is evaluated on the server's clock when
    /// each row is locked (`FOR UPDATE` re-reads a row a renewal changed meanwhile), so a renewal
    /// that commits first is never overwritten; a row being renewed right now is skipped.
    public func sweepExpired(
        nowMillis: Int64, limit: Int, boundary: (@Sendable (SweptItem) throws -> NewCheckpoint?)?
    ) throws -> [SweptItem] {
        try withSession { s throws(RecoveryError) in
            let what = "sweep expired leases"
            return try s.transaction(doing: what) {
                let swept = try s.query(
                    """
                    WITH t AS MATERIALIZED (SELECT ordeal_now_ms() AS now),
                    expired AS (SELECT item_id, lease_expires_at, inserted FROM work_items
                        WHERE status = 'in_progress' AND lease_expires_at <= (SELECT now FROM t)
                        ORDER BY lease_expires_at, inserted LIMIT $2 FOR UPDATE SKIP LOCKED)
                    UPDATE work_items w SET attempts = w.attempts + 1,
                        status = CASE WHEN w.attempts + 1 >= w.max_attempts THEN 'failed' ELSE 'pending' END,
                        error = CASE WHEN w.attempts + 1 >= w.max_attempts
                            THEN 'lease expired on attempt ' || (w.attempts + 1) || ' of ' || w.max_attempts ELSE w.error END,
                        lease_holder = NULL, lease_expires_at = NULL, updated_at = $1
                    FROM expired WHERE w.item_id = expired.item_id
                    RETURNING w.item_id, w.task_id, w.status, w.attempts, w.fencing_token,
                        expired.lease_expires_at, expired.inserted
                    """, [.int(nowMillis), Self.limit(limit)], doing: what
                ) { r in
                    (item: SweptItem(
                        itemID: try r.text(0), taskID: try r.optionalText(1),
                        newStatus: WorkItemStatus(rawValue: try r.text(2)) ?? .failed, attempts: try r.int(3),
                        fencingToken: try r.int(4)),
                     order: [try r.int(5), try r.int(6)])
                }.sorted { $0.order.lexicographicallyPrecedes($1.order) }.map(\.item)
                if let boundary {
                    // Inserted in task order (each task's in expiry order): two sweeps locking the
                    // counter rows of the same tasks take them in one order and cannot deadlock.
                    let checkpoints = try swept.enumerated().compactMap { index, item in
                        try boundary(item).map { (order: index, checkpoint: $0) }
                    }.sorted {
                        let (a, b) = (Array($0.checkpoint.taskID.utf8), Array($1.checkpoint.taskID.utf8))
                        return a == b ? $0.order < $1.order : a.lexicographicallyPrecedes(b)
                    }
                    for (_, checkpoint) in checkpoints { _ = try Self.insertCheckpoint(checkpoint, session: s) }
                }
                return swept
            }
        }
    }

    public func workItems(status: WorkItemStatus?, ids: [String]?) throws -> [WorkItem] {
        try withSession { s throws(RecoveryError) in
            let what = "list work items"
            guard let ids else {
                return try s.query(
                    "SELECT \(Self.workItemColumns) FROM work_items WHERE ($1::text IS NULL OR status = $1) ORDER BY item_id",
                    [.optional(status?.rawValue)], doing: what, row: Self.workItemRow)
            }
            let found = try s.query(
                "SELECT \(Self.workItemColumns) FROM work_items WHERE item_id = ANY($1) AND ($2::text IS NULL OR status = $2)",
                [.texts(ids), .optional(status?.rawValue)], doing: what, row: Self.workItemRow)
            let byID = Dictionary(found.map { (Array($0.id.utf8), $0) }, uniquingKeysWith: { a, _ in a })
            return ids.compactMap { byID[Array($0.utf8)] }
        }
    }
}
