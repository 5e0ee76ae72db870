import Foundation
import PostgresBackend
import PostgresTestSupport
import Testing

@testable import RecoveryCore

/// The backends the conformance tests run against; each test runs once per case and asserts
/// the same outcome for all. `postgres` is left out only with `ORDEAL_SKIP_POSTGRES=1`.
enum BackendKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, memory, postgres

    static var allCases: [BackendKind] { ScratchPostgres.isSkipped ? [.sqlite, .memory] : [.sqlite, .memory, .postgres] }

    var testDescription: String { rawValue }
}

/// A `TestEnv` (scratch directory, manual clock) with the backend under test: the env's own
/// SQLite database, a fresh `MemoryBackend`, or a `PostgresBackend` on a fresh database.
///
/// PostgreSQL decides leases on the server's clock, so for it the env replaces the database's
/// `ordeal_now_ms()` with a one-row table that the manual clock writes on every move: the
/// backend still reads the server's time, and the server's time is the test's.
final class ConformanceEnv: Sendable {
    let kind: BackendKind
    let scratch: TestEnv
    let backend: any RecoveryBackend
    let clock: ConformanceClock

    init(_ kind: BackendKind) throws {
        self.kind = kind
        scratch = try TestEnv()
        switch kind {
        case .sqlite:
            backend = scratch.backend
            clock = ConformanceClock(scratch.clock, serverClock: nil)
        case .memory:
            backend = MemoryBackend()
            clock = ConformanceClock(scratch.clock, serverClock: nil)
        case .postgres:
            let postgres = try ScratchPostgres.freshBackend()
            try postgres.execute("CREATE TABLE ordeal_test_clock (now_ms bigint NOT NULL)")
            try postgres.execute("INSERT INTO ordeal_test_clock VALUES (\(scratch.clock.nowMillis()))")
            try postgres.execute(
                "CREATE OR REPLACE FUNCTION ordeal_now_ms() RETURNS bigint LANGUAGE sql VOLATILE AS $$ SELECT now_ms FROM ordeal_test_clock $$")
            backend = postgres
            clock = ConformanceClock(scratch.clock) { now in
                _ = try postgres.execute("UPDATE ordeal_test_clock SET now_ms = \(now)")
            }
        }
    }
    func path(_ name: String) -> String { scratch.path(name) }

    func checkpoints() -> CheckpointManager { CheckpointManager(store: backend, clock: clock) }

    func leases(holder: String = "worker-a", leaseMillis: Int64 = 1_000) -> LeaseManager {
        LeaseManager(store: backend, holder: holder, leaseMillis: leaseMillis, clock: clock)
    }

    func item(_ id: String) throws -> WorkItem {
        try #require(backend.workItems(status: nil, ids: [id]).first)
    }

    /// A raw checkpoint for `taskID` through the store API.
    @discardableResult
    func insert(_ taskID: String, type: CheckpointType = .manualCheckpoint, verified: Bool = true) throws -> CheckpointRow {
        try backend.insertCheckpoint(
            NewCheckpoint(
                taskID: taskID, type: type, workItemID: nil, snapshot: "{}", snapshotSHA256: "0", evidence: "{}",
                verified: verified, verification: nil, createdAtMillis: clock.nowMillis()))
    }

    func sequences(_ taskID: String) throws -> [Int64] {
        try backend.checkpoints(CheckpointQuery(taskID: taskID)).map(\.sequence)
    }

    func claim(_ key: String, kind: IdempotencyKind = .llm, taskID: String? = nil, owner: String = "me",
               replacing token: Int64? = nil, claimMillis: Int64 = 60_000) throws -> Int64? {
        let now = clock.nowMillis()
        return try backend.claimKey(
            IdempotencyClaim(
                key: key, kind: kind, taskID: taskID, request: #"{"k":"\#(key)"}"#, owner: owner, nowMillis: now,
                claimExpiresAtMillis: now + claimMillis),
            replacing: token)
    }

    /// A claim that nobody will ever complete, made through the store API: `owner` claimed `key`
    /// and died before storing a result.
    func insertAbandonedClaim(key: String, kind: IdempotencyKind, owner: String, taskID: String? = nil) throws {
        let token = try claim(key, kind: kind, taskID: taskID, owner: owner, claimMillis: 3_600_000)
        try #require(token == 1)
    }
}

/// The test's manual clock; for a backend on a server clock it moves that clock along.
final class ConformanceClock: RecoveryClock {
    private let manual: ManualClock
    private let serverClock: (@Sendable (Int64) throws -> Void)?

    init(_ manual: ManualClock, serverClock: (@Sendable (Int64) throws -> Void)?) {
        self.manual = manual
        self.serverClock = serverClock
    }

    func nowMillis() -> Int64 { manual.nowMillis() }

    func advance(byMillis delta: Int64) {
        manual.advance(byMillis: delta)
        guard let serverClock else { return }
        do {
            try serverClock(manual.nowMillis())
        } catch {
            Issue.record("could not move the server's test clock: \(error)")
        }
    }
}
