import Synchronization

/// The embedded backend: one SQLite database file in WAL mode, shared safely by many
/// processes (each write is one `BEGIN IMMEDIATE` transaction) and by the threads of one
/// process (the connection sits behind a mutex).
public final class SQLiteBackend: RecoveryBackend {
    public let path: String
    public let options: SQLiteOptions
    private let connection: Mutex<SQLiteConnection>

    /// Opens (creating if needed) the database at `path` and migrates its schema.
    public init(path: String, options: SQLiteOptions = SQLiteOptions()) throws(RecoveryError) {
        self.path = path
        self.options = options
        do {
            let db = try SQLiteConnection(path: path, options: options)
            try SQLiteSchema.migrate(db)
            self.connection = Mutex(db)
        } catch let error as SQLiteError {
            throw RecoveryError(.storage, "cannot open the database \(path)", underlying: error)
        } catch let error as RecoveryError {
            throw error
        } catch {
            throw RecoveryError(.storage, "cannot open the database \(path): \(error)")
        }
    }

    public var spec: String { "sqlite:\(options.durability)" }

    public static var sqliteVersion: String { SQLiteConnection.libraryVersion }

    /// Runs `body` with the connection held; storage errors become `RecoveryError.storage`.
    func withConnection<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws(RecoveryError) -> T {
        do {
            return try connection.withLock { db in try body(db) }
        } catch let error as RecoveryError {
            throw error
        } catch let error as SQLiteError {
            throw RecoveryError.storage(error)
        } catch {
            throw RecoveryError(.storage, "\(error)")
        }
    }

    // MARK: TaskStore

    public func setTaskState(taskID: String, state: TaskState, detail: String?, nowMillis: Int64) throws {
        _ = try withConnection { db in
            try db.run(
                """
                INSERT INTO tasks (task_id, state, detail, updated_at) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT (task_id) DO UPDATE SET state = ?2, detail = ?3, updated_at = ?4
                """, [.text(taskID), .text(state.rawValue), .optional(detail), .int(nowMillis)])
        }
    }

    public func task(id: String) throws -> TaskRecord? {
        try withConnection { db in
            try db.queryOne("SELECT task_id, state, detail, updated_at FROM tasks WHERE task_id = ?1", [.text(id)]) {
                TaskRecord(
                    taskID: $0.text(0), state: TaskState(rawValue: $0.text(1)) ?? .failed,
                    detail: $0.optionalText(2), updatedAtMillis: $0.int(3))
            }
        }
    }

    /// Runs `PRAGMA integrity_check`; returns its complaints (none when it says `ok`).
    public func integrityProblems() throws -> [String] {
        try withConnection { db in
            let lines = try db.query("PRAGMA integrity_check") { $0.text(0) }
            return lines == ["ok"] ? [] : lines
        }
    }

    /// Runs arbitrary read-only SQL; for tests and the reader worker.
    public func rows(_ sql: String, _ args: [SQLValue] = []) throws -> [[SQLValue]] {
        try withConnection { db in
            try db.query(sql, args) { row in
                (0..<sqlite3ColumnCount(row)).map { column -> SQLValue in
                    switch sqlite3ColumnType(row, column) {
                    case .int: .int(row.int(column))
                    case .double: .double(row.double(column))
                    case .text: .text(row.text(column))
                    case .blob: .blob(row.blob(column))
                    case .null: .null
                    }
                }
            }
        }
    }

    /// Runs a write statement in its own transaction; for tests that must damage or age rows.
    @discardableResult
    public func execute(_ sql: String, _ args: [SQLValue] = []) throws -> Int {
        try withConnection { db in try db.write { try db.run(sql, args) } }
    }
}

extension SQLiteBackend {
    /// A bare `BEGIN IMMEDIATE` / one-row `INSERT` / `COMMIT` on this connection: the floor every
    /// write of the core stands on. Benchmarks measure it in the same run as the core.
    public func rawInsertTransaction(payload: String) throws {
        _ = try withConnection { db in
            try db.write { try db.run("INSERT INTO bench_raw (payload) VALUES (?1)", [.text(payload)]) }
        }
    }

    /// Creates the table `rawInsertTransaction` writes to.
    public func prepareRawInsertTable() throws {
        _ = try withConnection { db in
            try db.write { try db.exec("CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)") }
        }
    }
}
