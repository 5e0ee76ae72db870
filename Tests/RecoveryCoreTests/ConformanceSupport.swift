import BackendConformance
import PostgresBackend
import PostgresTestSupport
import RecoveryCore
import Testing

/// The built-in backends the conformance suite (module BackendConformance) runs against; every
/// check runs once per case. `postgres` is left out only with `ORDEAL_SKIP_POSTGRES=1`.
enum BackendKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, memory, postgres

    static var allCases: [BackendKind] { ScratchPostgres.isSkipped ? [.sqlite, .memory] : [.sqlite, .memory, .postgres] }

    var testDescription: String { rawValue }

    /// A fresh backend of this kind for one check: SQLite in the check's directory, a new
    /// `MemoryBackend`, or a `PostgresBackend` on a database of its own.
    ///
    /// PostgreSQL decides leases on the server's clock, so for it `ordeal_now_ms()` is replaced
    /// with a one-row table that the check's clock writes on every move: the backend still reads
    /// the server's time, and the server's time is the check's.
    func subject(_ setup: ConformanceSetup) throws -> ConformanceSubject {
        switch self {
        case .sqlite:
            return ConformanceSubject(try SQLiteBackend(path: setup.directory + "/core.sqlite", options: SQLiteOptions(durability: .normal)))
        case .memory:
            return ConformanceSubject(MemoryBackend())
        case .postgres:
            let postgres = try ScratchPostgres.freshBackend()
            try postgres.execute("CREATE TABLE ordeal_test_clock (now_ms bigint NOT NULL)")
            try postgres.execute("INSERT INTO ordeal_test_clock VALUES (\(setup.startMillis))")
            try postgres.execute(
                "CREATE OR REPLACE FUNCTION ordeal_now_ms() RETURNS bigint LANGUAGE sql VOLATILE AS $$ SELECT now_ms FROM ordeal_test_clock $$")
            return ConformanceSubject(postgres) { now in
                _ = try postgres.execute("UPDATE ordeal_test_clock SET now_ms = \(now)")
            }
        }
    }
}
