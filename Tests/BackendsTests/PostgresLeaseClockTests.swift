import Foundation
import PostgresBackend
import PostgresTestSupport
import RecoveryCore
import Testing

/// On PostgreSQL the server's clock decides leases: a worker's own clock, ahead or behind,
/// changes nothing. Two backends on one database stand for two worker processes.
@Suite(.enabled(if: !ScratchPostgres.isSkipped, "ORDEAL_SKIP_POSTGRES=1"))
struct PostgresLeaseClockTests {
    static let hour: Int64 = 3_600_000

    /// Two backends (connections) on a fresh database holding one pending item "i".
    func twoWorkers() throws -> (first: PostgresBackend, second: PostgresBackend, now: Int64) {
        let url = try ScratchPostgres.freshDatabase()
        let first = try PostgresBackend(url: url)
        let now = SystemClock().nowMillis()
        try first.addWorkItems([NewWorkItem(id: "i", maxAttempts: 5)], nowMillis: now)
        return (first, try PostgresBackend(url: url), now)
    }

    @Test func aWorkerWhoseClockRunsAheadCannotTakeALeaseOverEarly() throws {
        let (first, second, now) = try twoWorkers()
        let lease = try #require(try first.acquire(holder: "a", nowMillis: now, leaseMillis: 60_000))
        #expect(abs(lease.expiresAtMillis - (now + 60_000)) < 5_000, "the expiry is the server's now + lease")

        // The second worker's clock says an hour has passed: by its clock the lease is long gone.
        #expect(try second.acquire(holder: "b", nowMillis: now + Self.hour, leaseMillis: 60_000) == nil)
        #expect(try second.sweepExpired(nowMillis: now + Self.hour, limit: 10, boundary: nil).isEmpty)
        let item = try #require(try second.workItems(status: nil, ids: ["i"]).first)
        #expect(item.status == .inProgress && item.leaseHolder == "a" && item.fencingToken == 1 && item.attempts == 0)
        // And the holder's renewal from a clock an hour behind still gets a full lease on the server's clock.
        let renewed = try first.renew(itemID: "i", fencingToken: 1, nowMillis: now - Self.hour, leaseMillis: 60_000)
        #expect(renewed >= lease.expiresAtMillis)
    }

    @Test func aWorkerWhoseClockRunsBehindTakesOverOnceTheServerSaysTheLeaseExpired() throws {
        let (first, second, now) = try twoWorkers()
        let lease = try #require(try first.acquire(holder: "a", nowMillis: now, leaseMillis: 200))
        usleep(400_000)
        // By its own clock (an hour behind) the lease has not even started; the server says it expired.
        let taken = try #require(try second.acquire(holder: "b", nowMillis: now - Self.hour, leaseMillis: 60_000))
        #expect(taken.itemID == "i" && taken.fencingToken == lease.fencingToken + 1 && taken.attempts == 1)
        let stale = #expect(throws: RecoveryError.self) {
            try first.release(itemID: "i", fencingToken: lease.fencingToken, outcome: .completed(output: "late"), nowMillis: now)
        }
        #expect(stale?.code == .leaseLost)
        #expect(stale?.message == "lease lost: cannot release work item i with fencing token 1: it was taken over (current token 2, yours 1); stop working on it")
    }
}
