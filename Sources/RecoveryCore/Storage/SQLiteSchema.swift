/// The SQLite schema, as numbered migrations tracked in `PRAGMA user_version`.
/// A migration runs once, inside `BEGIN IMMEDIATE`, so several processes opening a new
/// database at once apply it exactly once.
enum SQLiteSchema {
    static let migrations: [String] = [
        // 1: the whole core.
        """
        CREATE TABLE tasks (
            task_id TEXT PRIMARY KEY,
            state TEXT NOT NULL CHECK (state IN ('running','succeeded','failed')),
            detail TEXT,
            updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE checkpoints (
            id INTEGER PRIMARY KEY,
            task_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            type TEXT NOT NULL CHECK (type IN ('iteration_start','iteration_end','tool_executed',
                'llm_response','approval_point','state_transition','manual_checkpoint','error_boundary')),
            work_item_id TEXT,
            snapshot TEXT NOT NULL,
            snapshot_sha256 TEXT NOT NULL,
            evidence TEXT NOT NULL,
            verified INTEGER NOT NULL DEFAULT 0,
            verified_at INTEGER,
            verification TEXT,
            created_at INTEGER NOT NULL,
            UNIQUE (task_id, seq)
        );
        CREATE TABLE work_items (
            item_id TEXT PRIMARY KEY,
            task_id TEXT,
            payload TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL CHECK (status IN ('pending','in_progress','completed','failed')),
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
            kind TEXT NOT NULL CHECK (kind IN ('llm','tool')),
            status TEXT NOT NULL CHECK (status IN ('claimed','done','failed')),
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
