/// The SQLite schema, as numbered migrations tracked in `PRAGMA user_version`.
/// A migration runs once, inside `BEGIN IMMEDIATE`, so several processes opening a new
/// database at once apply it exactly once.
enum SQLiteSchema {
    // CHECK constraints are written as OR chains, not `IN (...)`: SQLite evaluates an IN list
    // of constants through an ephemeral table on every insert (measured: +5 µs per commit).
    static let migrations: [String] = [
        // 1: the whole core.
        """
        CREATE TABLE tasks (
            task_id TEXT PRIMARY KEY,
            state TEXT NOT NULL CHECK (state = 'running' OR state = 'succeeded' OR state = 'failed'),
            detail TEXT,
            updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE checkpoints (
            task_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            type TEXT NOT NULL CHECK (type = 'iteration_start' OR type = 'iteration_end' OR type = 'tool_executed' OR type = 'llm_response' OR type = 'approval_point' OR type = 'state_transition' OR type = 'manual_checkpoint' OR type = 'error_boundary'),
            work_item_id TEXT,
            snapshot TEXT NOT NULL,
            snapshot_sha256 TEXT NOT NULL,
            evidence TEXT NOT NULL,
            verified INTEGER NOT NULL DEFAULT 0,
            verified_at INTEGER,
            verification TEXT,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (task_id, seq)
        ) WITHOUT ROWID;
        CREATE TABLE work_items (
            item_id TEXT PRIMARY KEY,
            task_id TEXT,
            payload TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL CHECK (status = 'pending' OR status = 'in_progress' OR status = 'completed' OR status = 'failed'),
            priority INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            max_attempts INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
            lease_holder TEXT,
            lease_expires_at INTEGER,
            fencing_token INTEGER NOT NULL DEFAULT 0,
            released_token INTEGER,
            output TEXT,
            error TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX work_items_claim ON work_items (priority DESC, created_at, item_id) WHERE status = 'pending';
        CREATE INDEX work_items_expiry ON work_items (lease_expires_at) WHERE status = 'in_progress';
        CREATE TABLE idempotency (
            key TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind = 'llm' OR kind = 'tool'),
            status TEXT NOT NULL CHECK (status = 'claimed' OR status = 'done' OR status = 'failed'),
            task_id TEXT,
            request TEXT NOT NULL,
            result TEXT,
            error TEXT,
            owner TEXT NOT NULL,
            claim_token INTEGER NOT NULL,
            claim_expires_at INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            completed_at INTEGER,
            expires_at INTEGER
        ) WITHOUT ROWID;
        CREATE INDEX idempotency_task ON idempotency (kind, task_id, created_at);
        CREATE INDEX idempotency_expiry ON idempotency (kind, expires_at);
        """
    ]

    static var currentVersion: Int { migrations.count }

    /// Brings the database to `currentVersion`; refuses a database from a newer Ordeal.
    static func migrate(_ db: SQLiteConnection) throws {
        try db.write {
            let version = try db.queryOne("PRAGMA user_version") { Int($0.int(0)) } ?? 0
            guard version <= currentVersion else {
                throw RecoveryError(
                    .storage,
                    "\(db.path) has schema version \(version), newer than this Ordeal's \(currentVersion); upgrade Ordeal or use another file")
            }
            for index in version..<currentVersion {
                try db.exec(migrations[index])
            }
            if version != currentVersion { try db.exec("PRAGMA user_version=\(currentVersion)") }
        }
    }
}
