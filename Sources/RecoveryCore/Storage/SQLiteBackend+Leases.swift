extension SQLiteBackend {
    static let workItemColumns = """
        item_id, task_id, payload, status, priority, attempts, max_attempts, lease_holder, lease_expires_at,
        fencing_token, released_token, output, error, updated_at
        """

    static func workItemRow(_ r: SQLiteRow) -> WorkItem {
        WorkItem(
            id: r.text(0), taskID: r.optionalText(1), payload: r.text(2),
            status: WorkItemStatus(rawValue: r.text(3)) ?? .failed, priority: r.int(4), attempts: r.int(5),
            maxAttempts: r.int(6), leaseHolder: r.optionalText(7), leaseExpiresAtMillis: r.optionalInt(8),
            fencingToken: r.int(9), releasedToken: r.optionalInt(10), output: r.optionalText(11),
            error: r.optionalText(12), updatedAtMillis: r.int(13))
    }

    public func addWorkItems(_ items: [NewWorkItem], nowMillis: Int64) throws {
        try withConnection { db in
            try db.write {
                for item in items {
                    guard item.maxAttempts >= 1 else {
                        throw RecoveryError(.invalidArgument, "work item \(item.id): maxAttempts must be at least 1")
                    }
                    let inserted = try db.run(
                        """
                        INSERT INTO work_items (item_id, task_id, payload, status, priority, max_attempts, created_at, updated_at)
                        VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?6) ON CONFLICT (item_id) DO NOTHING
                        """,
                        [.text(item.id), .optional(item.taskID), .text(item.payload), .int(item.priority),
                         .int(item.maxAttempts), .int(nowMillis)])
                    guard inserted == 1 else {
                        throw RecoveryError(.duplicateWorkItem, "work item \(item.id) already exists; choose another id")
                    }
                }
            }
        }
    }

    public func acquire(holder: String, nowMillis: Int64, leaseMillis: Int64) throws -> Lease? {
        try withConnection { db in
            try db.write {
                // One statement: the best pending item, else the oldest expired lease that still has
                // an attempt left (taking it over counts the lost lease, as the sweep would).
                try db.queryOne(
                    """
                    UPDATE work_items SET
                        attempts = attempts + (status = 'in_progress'),
                        status = 'in_progress', lease_holder = ?1, lease_expires_at = ?2 + ?3,
                        fencing_token = fencing_token + 1, updated_at = ?2
                    WHERE item_id = COALESCE(
                        (SELECT item_id FROM work_items INDEXED BY work_items_claim WHERE status = 'pending'
                            ORDER BY priority DESC, created_at, item_id LIMIT 1),
                        (SELECT item_id FROM work_items WHERE status = 'in_progress' AND lease_expires_at <= ?2
                            AND attempts + 1 < max_attempts ORDER BY lease_expires_at LIMIT 1))
                    RETURNING item_id, task_id, payload, fencing_token, attempts, lease_expires_at
                    """, [.text(holder), .int(nowMillis), .int(leaseMillis)]
                ) { r in
                    Lease(
                        itemID: r.text(0), taskID: r.optionalText(1), payload: r.text(2), holder: holder,
                        fencingToken: r.int(3), attempts: r.int(4), expiresAtMillis: r.int(5))
                }
            }
        }
    }

    public func renew(itemID: String, fencingToken: Int64, nowMillis: Int64, leaseMillis: Int64) throws -> Int64 {
        try withConnection { db in
            try db.write {
                let expires = nowMillis + leaseMillis
                let changed = try db.run(
                    """
                    UPDATE work_items SET lease_expires_at = ?3, updated_at = ?4
                    WHERE item_id = ?1 AND fencing_token = ?2 AND status = 'in_progress'
                    """, [.text(itemID), .int(fencingToken), .int(expires), .int(nowMillis)])
                guard changed == 1 else { throw try Self.leaseLost(db, itemID: itemID, token: fencingToken, action: "renew") }
                return expires
            }
        }
    }

    public func release(itemID: String, fencingToken: Int64, outcome: LeaseRelease, nowMillis: Int64) throws {
        try withConnection { db in
            try db.write {
                let changed: Int
                switch outcome {
                case .completed(let output):
                    changed = try db.run(
                        """
                        UPDATE work_items SET status = 'completed', output = ?3, error = NULL, released_token = ?2,
                            lease_holder = NULL, lease_expires_at = NULL, updated_at = ?4
                        WHERE item_id = ?1 AND fencing_token = ?2 AND status = 'in_progress'
                        """, [.text(itemID), .int(fencingToken), .text(output), .int(nowMillis)])
                case .failed(let error):
                    changed = try db.run(
                        """
                        UPDATE work_items SET status = 'failed', error = ?3, released_token = ?2,
                            lease_holder = NULL, lease_expires_at = NULL, updated_at = ?4
                        WHERE item_id = ?1 AND fencing_token = ?2 AND status = 'in_progress'
                        """, [.text(itemID), .int(fencingToken), .text(error), .int(nowMillis)])
                case .retry(let error):
                    changed = try db.run(
                        """
                        UPDATE work_items SET attempts = attempts + 1,
                            status = CASE WHEN attempts + 1 >= max_attempts THEN 'failed' ELSE 'pending' END,
                            released_token = CASE WHEN attempts + 1 >= max_attempts THEN ?2 ELSE NULL END,
                            error = ?3, lease_holder = NULL, lease_expires_at = NULL, updated_at = ?4
                        WHERE item_id = ?1 AND fencing_token = ?2 AND status = 'in_progress'
                        """, [.text(itemID), .int(fencingToken), .text(error), .int(nowMillis)])
                }
                guard changed == 1 else {
                    throw try Self.leaseLost(db, itemID: itemID, token: fencingToken, action: "release")
                }
            }
        }
    }

    /// Says why a token no longer holds the item.
    static func leaseLost(_ db: SQLiteConnection, itemID: String, token: Int64, action: String) throws -> RecoveryError {
        let item = try db.queryOne(
            "SELECT \(workItemColumns) FROM work_items WHERE item_id = ?1", [.text(itemID)], row: workItemRow)
        return leaseLostError(item: item, itemID: itemID, token: token, action: action)
    }

    public func sweepExpired(
        nowMillis: Int64, limit: Int, boundary: (@Sendable (SweptItem) throws -> NewCheckpoint?)?
    ) throws -> [SweptItem] {
        try withConnection { db in
            try db.write {
                // The expiry condition is evaluated inside this write transaction, so a renewal
                // committed before it is seen and one after it waits for the lock.
                let swept = try db.query(
                    """
                    UPDATE work_items SET attempts = attempts + 1,
                        status = CASE WHEN attempts + 1 >= max_attempts THEN 'failed' ELSE 'pending' END,
                        error = CASE WHEN attempts + 1 >= max_attempts
                            THEN 'lease expired on attempt ' || (attempts + 1) || ' of ' || max_attempts ELSE error END,
                        lease_holder = NULL, lease_expires_at = NULL, updated_at = ?1
                    WHERE item_id IN (SELECT item_id FROM work_items
                        WHERE status = 'in_progress' AND lease_expires_at <= ?1 ORDER BY lease_expires_at LIMIT ?2)
                    RETURNING item_id, task_id, status, attempts, fencing_token
                    """, [.int(nowMillis), .int(Int64(limit))]
                ) { r in
                    SweptItem(
                        itemID: r.text(0), taskID: r.optionalText(1),
                        newStatus: WorkItemStatus(rawValue: r.text(2)) ?? .failed, attempts: r.int(3),
                        fencingToken: r.int(4))
                }
                if let boundary {
                    for item in swept {
                        if let checkpoint = try boundary(item) { _ = try Self.insertCheckpoint(checkpoint, into: db) }
                    }
                }
                return swept
            }
        }
    }

    public func workItems(status: WorkItemStatus?, ids: [String]?) throws -> [WorkItem] {
        try withConnection { db in
            if let ids {
                return try ids.compactMap { id in
                    try db.queryOne(
                        "SELECT \(Self.workItemColumns) FROM work_items WHERE item_id = ?1", [.text(id)],
                        row: Self.workItemRow)
                }.filter { status == nil || $0.status == status }
            }
            if let status {
                return try db.query(
                    "SELECT \(Self.workItemColumns) FROM work_items WHERE status = ?1 ORDER BY item_id",
                    [.text(status.rawValue)], row: Self.workItemRow)
            }
            return try db.query("SELECT \(Self.workItemColumns) FROM work_items ORDER BY item_id", row: Self.workItemRow)
        }
    }
}

/// Says why `token` no longer holds the item (`item` as stored now, nil when there is none):
/// the one wording of `leaseLost` and `workItemNotFound` for every backend, built-in or not.
public func leaseLostError(item: WorkItem?, itemID: String, token: Int64, action: String) -> RecoveryError {
    guard let item else {
        return RecoveryError(.workItemNotFound, "cannot \(action) work item \(itemID): no such item")
    }
    let why: String
    if item.fencingToken != token {
        why = "it was taken over (current token \(item.fencingToken), yours \(token))"
    } else {
        why = "it is \(item.status.rawValue), no longer in progress"
    }
    return RecoveryError(
        .leaseLost,
        "lease lost: cannot \(action) work item \(itemID) with fencing token \(token): \(why); stop working on it")
}
