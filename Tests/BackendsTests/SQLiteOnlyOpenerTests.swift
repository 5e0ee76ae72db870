import RecoveryCore
import Testing
import WorkerKit

/// WorkerKit alone opens SQLite only: a `sqlite:DURABILITY` spec is the `--db` file with that
/// durability, and any other spec is refused with the fix named.
@Suite struct SQLiteOnlyOpenerTests {
    @Test(arguments: ["memory", "postgres://u@127.0.0.1:5432/db"])
    func anyOtherSpecIsRefusedNamingTheFix(_ spec: String) {
        let error = #expect(throws: RecoveryError.self) { try WorkerMain.openSQLiteOnly(spec, "/tmp/unused.sqlite", .normal) }
        #expect(error?.message.contains("opens only SQLite") == true)
        #expect(error?.message.contains("Backends.open(spec:sqlitePath:durability:)") == true)
    }
}
