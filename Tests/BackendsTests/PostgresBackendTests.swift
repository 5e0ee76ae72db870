import Foundation
import PostgresBackend
import PostgresTestSupport
import RecoveryCore
import Synchronization
import Testing

/// What only the PostgreSQL backend has: its schema migration across connections, its errors,
/// and its round-trip floor. The shared behaviour is in RecoveryCoreTests' conformance suite.
@Suite(.enabled(if: !ScratchPostgres.isSkipped, "ORDEAL_SKIP_POSTGRES=1"))
struct PostgresBackendTests {
    @Test func backendsOpeningANewDatabaseAtOnceMigrateItOnce() throws {
        let url = try ScratchPostgres.freshDatabase()
        let opened = Mutex<[PostgresBackend]>([])
        let failures = Mutex<[String]>([])
        let group = DispatchGroup()
        for _ in 0..<6 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let backend = try PostgresBackend(url: url)
                    opened.withLock { $0.append(backend) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }.start()
        }
        group.wait()
        #expect(failures.withLock { $0 } == [])
        let backends = opened.withLock { $0 }
        #expect(backends.count == 6)
        let backend = try #require(backends.first)
        #expect(try backend.execute("SELECT version FROM ordeal_schema_version WHERE version = 1") == 1)
        #expect(try backend.execute("SELECT 1 FROM ordeal_schema_version") == 1, "one version row")
        for (i, other) in backends.enumerated() {
            #expect(try other.insertCheckpoint(checkpoint("t", at: Int64(i))).sequence >= 1)
        }
        #expect(try backend.checkpoints(CheckpointQuery(taskID: "t")).map(\.sequence) == [6, 5, 4, 3, 2, 1])
        #expect(try backend.integrityProblems() == [])
    }

    @Test func aMissingDatabaseIsAStorageErrorWithItsSQLStateURLAndFix() throws {
        let server = try ScratchPostgres.serverURL()
        var url = server.with(database: "no_such_database")
        url.password = "hunter2"
        let error = #expect(throws: RecoveryError.self) { try PostgresBackend(url: url) }
        #expect(error?.code == .storage)
        let cause = try #require(error?.cause as? PostgresStoreError)
        #expect(cause.sqlState == "3D000")
        #expect(cause.url == "postgres://postgres@\(server.host):\(server.port)/no_such_database")
        let text = "\(try #require(error))"
        #expect(text.contains("The database does not exist; create it (CREATE DATABASE) or fix the name in the URL."))
        #expect(!text.contains("hunter2"), "the password is never shown")
    }

    @Test func aServerThatIsNotThereIsAStorageErrorSayingHowToStartOne() throws {
        let url = PostgresURL(user: "postgres", host: "127.0.0.1", port: try unusedPort(), database: "x")
        let error = #expect(throws: RecoveryError.self) { try PostgresBackend(url: url) }
        #expect(error?.code == .storage)
        let cause = try #require(error?.cause as? PostgresStoreError)
        #expect(cause.sqlState == nil)
        #expect(cause.description.contains("Check that PostgreSQL is running at \(url) and reachable"))
    }

    @Test func aConnectionTheServerDroppedIsOpenedAgainByALaterCall() throws {
        let url = try ScratchPostgres.freshDatabase()
        let backend = try PostgresBackend(url: url)
        _ = try backend.insertCheckpoint(checkpoint("t", at: 1))
        let killer = try PostgresBackend(url: url)
        #expect(try killer.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()") == 1)
        // The server ends the session asynchronously: wait until it is gone.
        var others = 1
        for _ in 0..<500 where others > 0 {
            others = try killer.execute(
                "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            usleep(10_000)
        }
        #expect(others == 0, "the terminated session is still there after 5 s")
        // The first call may learn of the loss (a storage error naming why) or find the
        // connection already closed and open a new one; the next call works either way.
        do {
            _ = try backend.insertCheckpoint(checkpoint("t", at: 2))
        } catch let error as RecoveryError {
            #expect(error.code == .storage)
            let cause = try #require(error.cause as? PostgresStoreError)
            #expect(cause.sqlState == nil || cause.sqlState == "57P01", "\(cause)")
        }
        _ = try backend.insertCheckpoint(checkpoint("t", at: 3))
        let sequences = try backend.checkpoints(CheckpointQuery(taskID: "t")).map(\.sequence)
        #expect(sequences.first == Int64(sequences.count), "no gap: \(sequences)")
        #expect(sequences.count >= 2)
    }

    @Test func aNewerSchemaIsRefusedWithTheFix() throws {
        let url = try ScratchPostgres.freshDatabase()
        try PostgresBackend(url: url).execute("UPDATE ordeal_schema_version SET version = 99")
        let error = #expect(throws: RecoveryError.self) { try PostgresBackend(url: url) }
        #expect(error?.message == "the database at \(url) has Ordeal schema version 99, newer than this Ordeal's 1; upgrade Ordeal or use another database")
    }

    /// Not a benchmark: prints the round-trip floor beside single-statement operations on the
    /// same connection, so a test log shows what an operation costs above `SELECT 1`.
    @Test func roundTripAndSingleStatementOperationsRunOnOneConnection() throws {
        let backend = try ScratchPostgres.freshBackend()
        let n = 300
        func median(_ body: (Int) throws -> Void) rethrows -> Double {
            var samples: [UInt64] = []
            for i in 0..<n {
                let start = DispatchTime.now().uptimeNanoseconds
                try body(i)
                samples.append(DispatchTime.now().uptimeNanoseconds - start)
            }
            return Double(samples.sorted()[n / 2]) / 1_000
        }
        try backend.addWorkItems((0..<n).map { NewWorkItem(id: "i\($0)") }, nowMillis: 0)
        let roundtrip = try median { _ in try backend.trivialRoundTrip() }
        let insert = try median { i in _ = try backend.insertCheckpoint(checkpoint("t", at: Int64(i))) }
        let acquire = try median { _ in _ = try backend.acquire(holder: "w", nowMillis: 0, leaseMillis: 60_000) }
        let claim = try median { i in
            _ = try backend.claimKey(
                IdempotencyClaim(key: "k\(i)", kind: .llm, taskID: nil, request: "{}", owner: "w", nowMillis: 0, claimExpiresAtMillis: 1),
                replacing: nil)
        }
        let read = try median { i in _ = try backend.storedResult(key: "k\(i)", nowMillis: 0) }
        print("postgres median µs over \(n): raw.roundtrip \(roundtrip), checkpoint.insert \(insert), lease.acquire \(acquire), key.claim \(claim), key.read \(read)")
        // Timings on a shared 2-core machine are too noisy to assert on; what was measured must have happened.
        #expect(try backend.checkpoints(CheckpointQuery(taskID: "t", limit: -1)).count == n)
        #expect(try backend.workItems(status: .inProgress, ids: nil).count == n)
        #expect(try backend.entries(kind: .llm, taskID: nil, limit: -1).count == n)
    }
}

func checkpoint(_ task: String, at millis: Int64) -> NewCheckpoint {
    NewCheckpoint(
        taskID: task, type: .manualCheckpoint, workItemID: nil, snapshot: "{}", snapshotSHA256: "0", evidence: "{}",
        verified: true, verification: nil, createdAtMillis: millis)
}

/// A loopback port nothing listens on (bound, read, released).
func unusedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
}
