import RecoveryCore

/// The PostgreSQL schema, as numbered migrations recorded in `ordeal_schema_version`. Every
/// process that opens the backend migrates inside one transaction holding a transaction-level
/// advisory lock, so processes starting at once apply each migration exactly once.
enum PostgresSchema {
    /// The advisory lock key of migrations ("ordeal" in ASCII).
    static let migrationLock: Int64 = 0x6F72_6465_616C

    /// Ids and keys are `COLLATE "C"`: compared and ordered by their bytes, as in SQLite.
    /// Times are milliseconds since the Unix epoch (`bigint`).
    static let migrations: [[String]] = [
        // 1: the whole core.
        [
            // The clock leases are decided by: the server's, never a worker's. Tests that drive
            // time by hand replace this function in their own database.
            """
            CREATE FUNCTION ordeal_now_ms() RETURNS bigint LANGUAGE sql VOLATILE
            AS $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$
            """,
            """
            CREATE TABLE tasks (
                task_id text COLLATE "C" PRIMARY KEY,
                state text NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
                detail text,
                updated_at bigint NOT NULL)
            """,
            """
            CREATE TABLE checkpoints (
                task_id text COLLATE "C" NOT NULL,
                seq bigint NOT NULL,
                type text NOT NULL CHECK (type IN ('iteration_start', 'iteration_end', 'tool_executed', 'llm_response',
                    'approval_point', 'state_transition', 'manual_checkpoint', 'error_boundary')),
                work_item_id text,
                snapshot text NOT NULL,
                snapshot_sha256 text NOT NULL,
                evidence text NOT NULL,
                verified boolean NOT NULL DEFAULT false,
                verified_at bigint,
                verification text,
                created_at bigint NOT NULL,
                PRIMARY KEY (task_id, seq))
            """,
            // The last number given out per task: its row lock orders concurrent inserters, and
            // it never goes down, so a deleted number is never given out again.
            """
            CREATE TABLE checkpoint_sequences (
                task_id text COLLATE "C" PRIMARY KEY,
                last_seq bigint NOT NULL)
            """,
            """
            CREATE TABLE work_items (
                item_id text COLLATE "C" PRIMARY KEY,
                inserted bigint GENERATED ALWAYS AS IDENTITY,
                task_id text COLLATE "C",
                payload text NOT NULL DEFAULT '{}',
                status text NOT NULL CHECK (status IN ('pending', 'in_progress', 'completed', 'failed')),
                priority bigint NOT NULL DEFAULT 0,
                attempts bigint NOT NULL DEFAULT 0,
                max_attempts bigint NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
                lease_holder text,
                lease_expires_at bigint,
                fencing_token bigint NOT NULL DEFAULT 0,
                released_token bigint,
                output text,
                error text,
                created_at bigint NOT NULL,
                updated_at bigint NOT NULL)
            """,
            "CREATE INDEX work_items_claim ON work_items (priority DESC, created_at, item_id) WHERE status = 'pending'",
            "CREATE INDEX work_items_expiry ON work_items (lease_expires_at, inserted) WHERE status = 'in_progress'",
            """
            CREATE TABLE idempotency (
                key text COLLATE "C" PRIMARY KEY,
                kind text NOT NULL CHECK (kind IN ('llm', 'tool')),
                status text NOT NULL CHECK (status IN ('claimed', 'done', 'failed')),
                task_id text COLLATE "C",
                request text NOT NULL,
                result text,
                error text,
                owner text NOT NULL,
                claim_token bigint NOT NULL,
                claim_expires_at bigint NOT NULL,
                created_at bigint NOT NULL,
                completed_at bigint,
                expires_at bigint)
            """,
            "CREATE INDEX idempotency_task ON idempotency (kind, task_id, created_at)",
            "CREATE INDEX idempotency_expiry ON idempotency (kind, expires_at)",
        ]
    ]

    static var currentVersion: Int { migrations.count }

    /// Brings the database to `currentVersion`; refuses a database from a newer Ordeal.
    static func migrate(_ session: PostgresSession) throws(RecoveryError) {
        let what = "migrate its schema"
        try session.transaction(doing: what) {
            try session.run("SELECT pg_advisory_xact_lock($1)", [.int(migrationLock)], doing: what)
            try session.run("CREATE TABLE IF NOT EXISTS ordeal_schema_version (version integer NOT NULL)", doing: what)
            let version = try session.query("SELECT version::bigint FROM ordeal_schema_version", doing: what) {
                try $0.int(0)
            }.first.map(Int.init) ?? 0
            guard version <= currentVersion else {
                throw RecoveryError(
                    .storage,
                    "the database at \(session.url) has Ordeal schema version \(version), newer than this Ordeal's \(currentVersion); upgrade Ordeal or use another database")
            }
            guard version < currentVersion else { return }
            for migration in migrations[version...] {
                for statement in migration { try session.run(statement, doing: what) }
            }
            try session.run("DELETE FROM ordeal_schema_version", doing: what)
            try session.run(
                "INSERT INTO ordeal_schema_version (version) VALUES ($1::bigint)", [.int(Int64(currentVersion))], doing: what)
        }
    }
}
