import OrdealSupport
import Logging
import PostgresNIO
import RecoveryCore
import Synchronization

/// The client-server backend: the recovery core on a PostgreSQL database (15 or newer), shared
/// by any number of processes and hosts. Each instance owns one connection, behind a lock, so
/// threads of one process take turns; every call is one transaction (most are one statement).
///
/// Guarantees beyond the protocols' own:
/// - **Lease time is the server's.** Whether a lease has expired (`acquire` taking it over,
///   `sweepExpired`) and when a granted or renewed lease expires are decided by the
///   database server's clock (`clock_timestamp()`, through the `ordeal_now_ms()` function of the
///   schema), never by the caller's `nowMillis`: a worker whose clock runs ahead cannot take an
///   item over early, and one whose clock runs behind cannot keep it late. `nowMillis` is still
///   stored as `updatedAt`/`createdAt`, and decides idempotency and checkpoint times as in SQLite.
/// - **Checkpoint numbers** come from a per-task counter row updated in the inserting statement:
///   unique and gapless per task across processes, and never reused after a deletion.
/// - **Durability** is the server's: a call returns after its COMMIT was acknowledged.
///
/// Errors are `RecoveryError`s; failures of the server or the connection have code `storage`
/// and a `PostgresStoreError` cause naming the SQLSTATE, the URL (without the password) and the fix.
public final class PostgresBackend: RecoveryBackend, TrivialRoundTripping {
    /// The server and database, without the password in its description.
    public let url: PostgresURL
    private let session: Mutex<PostgresSession>

    /// Connects to `url`, creating or migrating the schema (safe when processes start at once).
    /// `logger` receives postgres-nio's own logging; by default nothing is logged, so a worker's
    /// standard output stays its event stream.
    public init(url: PostgresURL, logger: Logger? = nil) throws(RecoveryError) {
        self.url = url
        let session = PostgresSession(url: url, logger: logger)
        try PostgresSchema.migrate(session)
        self.session = Mutex(session)
    }

    /// Parses `url` (`postgres://user@host:port/db`) and connects.
    public convenience init(url text: String, logger: Logger? = nil) throws(RecoveryError) {
        let url: PostgresURL
        do {
            url = try PostgresURL(parsing: text)
        } catch {
            throw RecoveryError(.invalidArgument, error.description)
        }
        try self.init(url: url, logger: logger)
    }

    /// The URL without the password.
    public var spec: String { url.description }

    /// Runs `body` with the connection held.
    func withSession<T: Sendable>(_ body: (PostgresSession) throws(RecoveryError) -> T) throws(RecoveryError) -> T {
        try session.withLock { (session: inout PostgresSession) throws(RecoveryError) -> T in try body(session) }
    }

    /// A trivial query (`SELECT 1`) on this backend's connection: the round-trip floor every
    /// operation stands on. Benchmarks measure it as `raw.roundtrip` beside the core's operations.
    public func trivialRoundTrip() throws {
        try withSession { s throws(RecoveryError) in _ = try s.run("SELECT 1", doing: "run SELECT 1") }
    }

    /// The server's version string (`SELECT version()`), for reports.
    public func serverVersion() throws -> String {
        try withSession { s throws(RecoveryError) in
            try s.query("SELECT version()", doing: "read the server version") { try $0.text(0) }.first ?? "unknown"
        }
    }

    /// Runs a statement in its own transaction and returns how many rows it changed; for tests
    /// that must age, damage or re-time rows (or replace `ordeal_now_ms()` to drive time by hand).
    @discardableResult
    public func execute(_ sql: String) throws -> Int {
        try withSession { s throws(RecoveryError) in try s.run(sql, doing: "run a statement").affected }
    }

    // MARK: TaskStore

    public func setTaskState(taskID: String, state: TaskState, detail: String?, nowMillis: Int64) throws {
        try withSession { s throws(RecoveryError) in
            _ = try s.run(
                """
                INSERT INTO tasks (task_id, state, detail, updated_at) VALUES ($1, $2, $3, $4)
                ON CONFLICT (task_id) DO UPDATE SET state = $2, detail = $3, updated_at = $4
                """, [.text(taskID), .text(state.rawValue), .optional(detail), .int(nowMillis)], doing: "store task \(taskID)'s state")
        }
    }

    public func task(id: String) throws -> TaskRecord? {
        try withSession { s throws(RecoveryError) in
            try s.query(
                "SELECT task_id, state, detail, updated_at FROM tasks WHERE task_id = $1", [.text(id)], doing: "read task \(id)"
            ) {
                TaskRecord(
                    taskID: try $0.text(0), state: TaskState(rawValue: try $0.text(1)) ?? .failed,
                    detail: try $0.optionalText(2), updatedAtMillis: try $0.int(3))
            }.first
        }
    }

    /// What the schema's constraints cannot state: every task's checkpoint counter is at least
    /// its highest stored sequence, and no in-progress item lacks a holder or an expiry.
    public func integrityProblems() throws -> [String] {
        try withSession { s throws(RecoveryError) in
            let counters = try s.query(
                """
                SELECT c.task_id, max(c.seq), coalesce(max(q.last_seq), 0) FROM checkpoints c
                LEFT JOIN checkpoint_sequences q ON q.task_id = c.task_id
                GROUP BY c.task_id HAVING max(c.seq) > coalesce(max(q.last_seq), 0) ORDER BY c.task_id
                """, doing: "check its checkpoint counters"
            ) { r in
                "task \(try r.text(0)): checkpoint \(try r.int(1)) is above the sequence counter \(try r.int(2))"
            }
            let leases = try s.query(
                """
                SELECT item_id FROM work_items
                WHERE status = 'in_progress' AND (lease_holder IS NULL OR lease_expires_at IS NULL) ORDER BY item_id
                """, doing: "check its leases"
            ) { r in "work item \(try r.text(0)) is in progress without a holder or an expiry" }
            return counters + leases
        }
    }
}

extension PostgresBackend {
    /// Creates an empty database `name` on the server of `server` (connecting to its database),
    /// for a test or benchmark that wants a store of its own. `name` must be a plain identifier.
    public static func createDatabase(_ name: String, server: PostgresURL) throws(RecoveryError) {
        guard !name.isEmpty, name.utf8.count < 64,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw RecoveryError(.invalidArgument, "database name '\(name)' must be 1 to 63 ASCII letters, digits or _")
        }
        try PostgresSession(url: server, logger: nil).run("CREATE DATABASE \(name)", doing: "create database \(name)")
    }
}
