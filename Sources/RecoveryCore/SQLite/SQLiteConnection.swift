import OrdealSupport
import OrdealSystem
import CSQLite

/// How much a committed write survives: SQLite's `synchronous` setting, in WAL mode.
extension Durability {
    var pragmaValue: String {
        switch self {
        case .full: "FULL"
        case .normal: "NORMAL"
        case .off: "OFF"
        }
    }
}

/// Settings of a SQLite connection. The defaults are the seeds' tuning PRAGMAs.
public struct SQLiteOptions: Sendable {
    public var durability: Durability = .normal
    /// How long a writer waits for another process's write lock before `SQLITE_BUSY`.
    public var busyTimeoutMillis: Int32 = 10_000
    /// `PRAGMA cache_size`: negative is KiB (-64000 = 64 MB).
    public var cacheSize: Int = -64_000
    /// `PRAGMA temp_store=MEMORY`.
    public var tempStoreMemory = true
    /// `PRAGMA mmap_size` in bytes. 0 (no memory-mapped I/O), not the seeds' 256 MiB: measured
    /// with `ordeal bench`, 256 MiB gained nothing on the core's operations (P50s within ±6%,
    /// three interleaved runs each), while it let a process's resident memory grow with the
    /// database file up to 256 MiB, turned an I/O error on a mapped page into SIGBUS instead of
    /// `SQLITE_IOERR`, and hid reads from the fault shim's `read(2)` injection.
    public var mmapSize: Int = 0
    /// Open read-only (evidence checks against other databases).
    public var readOnly = false

    public init(durability: Durability = .normal) { self.durability = durability }
}

/// One SQLite connection with a cache of prepared statements.
///
/// Not thread-safe: `SQLiteBackend` keeps it behind a mutex. Every failure is thrown as a
/// `SQLiteError` carrying the result code; nothing is printed and ignored.
final class SQLiteConnection {
    let handle: OpaquePointer
    let path: String
    private var cache: [SQLKey: SQLiteStatement] = [:]
    private(set) var inTransaction = false

    init(path: String, options: SQLiteOptions) throws(SQLiteError) {
        var db: OpaquePointer?
        let flags = (options.readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: message, path: path, sql: nil)
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, options.busyTimeoutMillis)
        if !options.readOnly {
            try enableWAL(timeoutMillis: Int64(options.busyTimeoutMillis))
            try exec("PRAGMA synchronous=\(options.durability.pragmaValue)")
        }
        try exec("PRAGMA cache_size=\(options.cacheSize)")
        try exec("PRAGMA temp_store=\(options.tempStoreMemory ? "MEMORY" : "DEFAULT")")
        try exec("PRAGMA mmap_size=\(options.mmapSize)")
        try exec("PRAGMA foreign_keys=ON")
    }

    /// Switching a new database to WAL needs an exclusive lock, and SQLite returns SQLITE_BUSY
    /// at once (without its busy handler) when another process holds any lock: several
    /// processes opening a new file together meet that. Retried until the busy timeout.
    private func enableWAL(timeoutMillis: Int64) throws(SQLiteError) {
        let start = Posix.monotonicNanos()
        var pause: Int64 = 1
        while true {
            do {
                try exec("PRAGMA journal_mode=WAL")
                return
            } catch let error where error.isBusy && Int64((Posix.monotonicNanos() - start) / 1_000_000) < timeoutMillis {
                Posix.sleep(millis: pause)
                pause = min(pause * 2, 20)
            }
        }
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    func error(_ rc: Int32, sql: String?) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), path: path, sql: sql)
    }

    /// Runs SQL with no parameters and no rows (PRAGMAs, DDL, transaction control).
    func exec(_ sql: String) throws(SQLiteError) {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc, sql: sql) }
    }

    private func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        let key = SQLKey(sql: sql)
        if let cached = cache[key] { return cached }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, sql: sql) }
        let prepared = SQLiteStatement(handle: stmt, sql: sql)
        cache[key] = prepared
        return prepared
    }

    /// Runs `sql` with `args`, calling `row` for each result row; returns the rows' values.
    func query<T>(_ sql: String, _ args: [SQLValue] = [], row: (SQLiteRow) throws -> T) throws -> [T] {
        let stmt = try statement(sql)
        defer { stmt.reset() }
        let bound = stmt.bind(args)
        guard bound == SQLITE_OK else { throw error(bound, sql: sql) }
        var out: [T] = []
        while true {
            let rc = sqlite3_step(stmt.handle)
            if rc == SQLITE_DONE { return out }
            guard rc == SQLITE_ROW else { throw error(rc, sql: sql) }
            out.append(try row(SQLiteRow(handle: stmt.handle)))
        }
    }

    /// The first row's value, or nil when there is none.
    func queryOne<T>(_ sql: String, _ args: [SQLValue] = [], row: (SQLiteRow) throws -> T) throws -> T? {
        let stmt = try statement(sql)
        defer { stmt.reset() }
        let bound = stmt.bind(args)
        guard bound == SQLITE_OK else { throw error(bound, sql: sql) }
        let rc = sqlite3_step(stmt.handle)
        if rc == SQLITE_DONE { return nil }
        guard rc == SQLITE_ROW else { throw error(rc, sql: sql) }
        return try row(SQLiteRow(handle: stmt.handle))
    }

    /// Runs a statement that returns no rows; returns how many rows it changed.
    @discardableResult
    func run(_ sql: String, _ args: [SQLValue] = []) throws(SQLiteError) -> Int {
        let stmt = try statement(sql)
        defer { stmt.reset() }
        let bound = stmt.bind(args)
        guard bound == SQLITE_OK else { throw error(bound, sql: sql) }
        let rc = sqlite3_step(stmt.handle)
        guard rc == SQLITE_DONE || rc == SQLITE_ROW else { throw error(rc, sql: sql) }
        return Int(sqlite3_changes(handle))
    }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so
    /// a writer never fails half-way on a lock upgrade. Rolls back if `body` or `COMMIT` throws.
    func write<T>(_ body: () throws -> T) throws -> T {
        precondition(!inTransaction, "nested write transaction")
        try run("BEGIN IMMEDIATE")
        inTransaction = true
        defer { inTransaction = false }
        do {
            let value = try body()
            try run("COMMIT")
            return value
        } catch {
            // A failed COMMIT may already have rolled back; ROLLBACK then reports
            // "no transaction is active", which adds nothing to the original error.
            if sqlite3_get_autocommit(handle) == 0 { _ = try? run("ROLLBACK") }
            throw error
        }
    }

    static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}

/// A statement cache key that hashes the SQL's length and its first and last 32 bytes instead
/// of the whole text (statements are long; they are looked up on every call). Equality still
/// compares the whole text, so a collision costs a comparison, never a wrong statement.
struct SQLKey: Hashable {
    let sql: String

    func hash(into hasher: inout Hasher) {
        let utf8 = sql.utf8
        hasher.combine(utf8.count)
        let done = utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes.prefix(32))))
            hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes.suffix(32))))
            return true
        }
        if done == nil { hasher.combine(sql) }
    }

    static func == (a: SQLKey, b: SQLKey) -> Bool { a.sql == b.sql }
}
