import OrdealSupport
import Testing

@testable import RecoveryCore

@Suite struct SQLiteBackendTests {
    let env: TestEnv
    init() throws { env = try TestEnv() }

    @Test func theSchemaVersionIsSet() throws {
        #expect(try env.backend.rows("PRAGMA user_version") == [[.int(Int64(SQLiteSchema.currentVersion))]])
        #expect(SQLiteSchema.currentVersion >= 1)
    }

    @Test func everyCoreTableExists() throws {
        let names = Set(try env.backend.rows("SELECT name FROM sqlite_master WHERE type = 'table'").compactMap(\.first))
        #expect(names.isSuperset(of: [.text("checkpoints"), .text("idempotency"), .text("tasks"), .text("work_items")]))
    }

    @Test func theJournalModeIsWAL() throws {
        #expect(try env.backend.rows("PRAGMA journal_mode") == [[.text("wal")]])
    }

    @Test(arguments: [(Durability.full, Int64(2)), (.normal, 1), (.off, 0)])
    func durabilityMapsToPragmaSynchronous(durability: Durability, expected: Int64) throws {
        let env = try TestEnv(durability: durability)
        #expect(try env.backend.rows("PRAGMA synchronous") == [[.int(expected)]])
        #expect(env.backend.spec == "sqlite:\(durability.rawValue)")
    }

    @Test func foreignKeysAreOn() throws {
        #expect(try env.backend.rows("PRAGMA foreign_keys") == [[.int(1)]])
    }

    @Test func integrityProblemsIsEmptyOnAFreshDatabase() throws {
        #expect(try env.backend.integrityProblems().isEmpty)
    }

    @Test func reopeningAnExistingFileKeepsItsData() throws {
        let path = env.path("reopen.sqlite")
        do {
            let first = try SQLiteBackend(path: path)
            try first.setTaskState(taskID: "t", state: .succeeded, detail: "done", nowMillis: 5)
            try first.addWorkItems([NewWorkItem(id: "i")], nowMillis: 5)
        }
        let second = try SQLiteBackend(path: path)
        #expect(try second.task(id: "t") == TaskRecord(taskID: "t", state: .succeeded, detail: "done", updatedAtMillis: 5))
        #expect(try second.workItems(status: nil, ids: nil).map(\.id) == ["i"])
        #expect(try second.rows("PRAGMA user_version") == [[.int(Int64(SQLiteSchema.currentVersion))]])
        #expect(try second.integrityProblems().isEmpty)
    }

    @Test func twoBackendsOnOneFileSeeEachOthersWrites() throws {
        let other = try SQLiteBackend(path: env.backend.path)
        try env.backend.setTaskState(taskID: "t", state: .running, detail: nil, nowMillis: 1)
        #expect(try other.task(id: "t")?.state == .running)
    }

    @Test func openingAPathInAMissingDirectoryNamesThePath() {
        let path = env.path("no/such/dir/core.sqlite")
        let error = #expect(throws: RecoveryError.self) { try SQLiteBackend(path: path) }
        #expect(error?.code == .storage)
        #expect(error?.description.contains(path) == true)
        #expect(error?.underlying?.path == path)
        #expect(error?.description.contains("Check that the directory exists") == true)
    }

    @Test func aDatabaseFromANewerSchemaIsRefused() throws {
        let path = env.path("future.sqlite")
        do { try SQLiteBackend(path: path).execute("PRAGMA user_version = 99") }
        let error = #expect(throws: RecoveryError.self) { try SQLiteBackend(path: path) }
        #expect(error?.code == .storage)
        #expect(error?.message.contains("schema version 99") == true)
    }

    @Test func aFileThatIsNotADatabaseIsRefused() throws {
        let path = try env.writeFile("junk.sqlite", String(repeating: "not a database ", count: 100))
        let error = #expect(throws: RecoveryError.self) { try SQLiteBackend(path: path) }
        #expect(error?.code == .storage)
        #expect(error?.description.contains(path) == true)
    }

    @Test func taskStateIsUpsertedAndMissingTasksAreNil() throws {
        #expect(try env.backend.task(id: "t") == nil)
        try env.backend.setTaskState(taskID: "t", state: .running, detail: nil, nowMillis: 1)
        try env.backend.setTaskState(taskID: "t", state: .failed, detail: "why", nowMillis: 2)
        #expect(try env.backend.task(id: "t") == TaskRecord(taskID: "t", state: .failed, detail: "why", updatedAtMillis: 2))
    }

    @Test func badSQLThrowsAStorageErrorWithTheStatement() {
        let error = #expect(throws: RecoveryError.self) { try env.backend.rows("SELECT * FROM nowhere") }
        #expect(error?.code == .storage)
        #expect(error?.underlying?.sql == "SELECT * FROM nowhere")
        #expect(error?.description.contains("no such table") == true)
    }

    @Test func aConstraintViolationRollsBackAndReportsStorage() throws {
        let error = #expect(throws: RecoveryError.self) {
            try env.backend.execute("INSERT INTO tasks (task_id, state, updated_at) VALUES ('t', 'bogus', 0)")
        }
        #expect(error?.code == .storage)
        #expect(try env.backend.task(id: "t") == nil)
        try env.backend.setTaskState(taskID: "t", state: .running, detail: nil, nowMillis: 0)  // the connection still works
    }

    @Test func rowsReturnsEveryColumnType() throws {
        let row = try env.backend.rows("SELECT 1, 2.5, 'x', x'0102', NULL")
        #expect(row == [[.int(1), .double(2.5), .text("x"), .blob([1, 2]), .null]])
        #expect(try env.backend.rows("SELECT ?1 || ?2", ["a", "b"]) == [[.text("ab")]])
    }

    @Test func theCheckpointTableRejectsUnknownTypes() {
        #expect(throws: RecoveryError.self) {
            try env.backend.execute(
                """
                INSERT INTO checkpoints (task_id, seq, type, snapshot, snapshot_sha256, evidence, created_at)
                VALUES ('t', 1, 'bogus', '{}', '', '{}', 0)
                """)
        }
    }

    @Test func sqliteErrorsCarryHints() {
        let busy = SQLiteError(code: 5, message: "database is locked", path: "/x", sql: nil)
        #expect(busy.isBusy)
        #expect(busy.description.contains("busyTimeoutMillis"))
        let ioFsync = SQLiteError(code: 10 | (4 << 8), message: "disk I/O error", path: "/x", sql: "COMMIT")
        #expect(ioFsync.primaryCode == 10)
        #expect(ioFsync.isIOError)
        #expect(SQLiteError(code: 13, message: "full", path: "/x", sql: nil).isFull)
    }
}
