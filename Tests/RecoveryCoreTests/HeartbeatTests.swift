import OrdealSystem
import Dispatch
import Foundation
import Synchronization
import Testing

@testable import RecoveryCore

/// The heartbeat runs on the manager's clock, so these use the system clock with short
/// intervals; every wait is bounded and generous (seconds), never tight.
@Suite struct HeartbeatTests {
    let env: TestEnv
    init() throws { env = try TestEnv() }

    func realLeases(holder: String = "hb", leaseMillis: Int64 = 200) -> LeaseManager {
        LeaseManager(store: env.backend, holder: holder, leaseMillis: leaseMillis, clock: SystemClock())
    }

    @Test func heartbeatRenewsOnItsOwnAndKeepsTheLease() throws {
        let manager = realLeases()
        try manager.add([NewWorkItem(id: "i")])
        let lease = try #require(try manager.acquire())
        let heartbeat = manager.heartbeat(for: lease, intervalMillis: 20)
        defer { heartbeat.stop() }
        #expect(waitUntil(seconds: 5) { heartbeat.renewals >= 3 })
        // Well past the original 200 ms lease: the renewals kept it.
        usleep(400_000)
        let item = try env.item("i")
        #expect(item.status == .inProgress)
        #expect(item.fencingToken == lease.fencingToken)
        #expect(try #require(item.leaseExpiresAtMillis) > lease.expiresAtMillis)
        #expect(heartbeat.lostError == nil)
        #expect(try manager.renew(lease).fencingToken == lease.fencingToken)
    }

    @Test func stopEndsTheRenewals() throws {
        let manager = realLeases()
        try manager.add([NewWorkItem(id: "i")])
        let heartbeat = manager.heartbeat(for: try #require(try manager.acquire()), intervalMillis: 20)
        #expect(waitUntil(seconds: 5) { heartbeat.renewals >= 1 })
        heartbeat.stop()
        let count = heartbeat.renewals
        usleep(150_000)
        #expect(heartbeat.renewals == count)
        heartbeat.stop()  // a second stop is harmless
        #expect(heartbeat.lostError == nil)
    }

    @Test func heartbeatReportsLeaseLossPromptlyAfterATakeover() throws {
        let manager = realLeases()
        try manager.add([NewWorkItem(id: "i")])
        let lease = try #require(try manager.acquire())
        let lost = Locked<RecoveryError?>(nil)
        let signal = DispatchSemaphore(value: 0)
        let heartbeat = manager.heartbeat(for: lease, intervalMillis: 20) { error in
            lost.update { $0 = error }
            signal.signal()
        }
        defer { heartbeat.stop() }
        #expect(waitUntil(seconds: 5) { heartbeat.renewals >= 1 })

        // Another holder, whose clock is an hour ahead, sees the lease expired and takes it over.
        let future = ManualClock(startMillis: SystemClock().nowMillis() + 3_600_000)
        let other = LeaseManager(store: env.backend, holder: "thief", leaseMillis: 3_600_000, clock: future)
        let stolen = try #require(try other.acquire())
        #expect(stolen.fencingToken == lease.fencingToken + 1)
        let watch = Stopwatch()

        #expect(signal.wait(timeout: .now() + .seconds(3)) == .success, "onLost was never called")
        #expect(watch.elapsedMillis < 3_000)
        let error = try #require(lost.value)
        #expect(error.code == .leaseLost)
        #expect(error.message.contains("taken over"))
        #expect(heartbeat.lostError?.code == .leaseLost)
        // The heartbeat stopped at the first failure and left the new holder alone.
        let renewals = heartbeat.renewals
        usleep(100_000)
        #expect(heartbeat.renewals == renewals)
        let item = try env.item("i")
        #expect(item.leaseHolder == "thief")
        #expect(item.fencingToken == stolen.fencingToken)
    }

    @Test func heartbeatReportsLossWhenTheItemIsCompletedUnderIt() throws {
        let manager = realLeases()
        try manager.add([NewWorkItem(id: "i")])
        let lease = try #require(try manager.acquire())
        let heartbeat = manager.heartbeat(for: lease, intervalMillis: 20)
        defer { heartbeat.stop() }
        try manager.complete(lease, output: "done")
        #expect(waitUntil(seconds: 3) { heartbeat.lostError != nil })
        #expect(heartbeat.lostError?.code == .leaseLost)
        #expect(try env.item("i").output == "done")
    }

    /// `Heartbeat.deinit` calls `stop()`: a heartbeat nobody holds any more should stop renewing.
    @Test func aDroppedHeartbeatStopsRenewing() throws {
        let manager = realLeases()
        try manager.add([NewWorkItem(id: "i")])
        let lease = try #require(try manager.acquire())
        do {
            let heartbeat = manager.heartbeat(for: lease, intervalMillis: 20)
            #expect(waitUntil(seconds: 5) { heartbeat.renewals >= 1 })
        }
        usleep(100_000)
        let before = try env.item("i").leaseExpiresAtMillis
        usleep(300_000)
        let after = try env.item("i").leaseExpiresAtMillis
        #expect(before == after, "the dropped heartbeat is still renewing the lease")
        try manager.complete(lease, output: "done")  // ends a leaked heartbeat with lease-lost
    }
}
