import OrdealSupport
import Testing

@testable import RecoveryCore

@Suite struct RecoverySweepTests {
    let env: TestEnv
    init() throws { env = try TestEnv() }

    func sweep(batchSize: Int = 500, boundaries: Bool = false) -> RecoverySweep {
        RecoverySweep(store: env.backend, clock: env.clock, batchSize: batchSize, writeBoundaryCheckpoints: boundaries)
    }

    /// Adds the items and leases each of them once.
    func leaseAll(_ items: [NewWorkItem], leaseMillis: Int64 = 1_000) throws -> [Lease] {
        let manager = env.leases(leaseMillis: leaseMillis)
        try manager.add(items)
        return try items.map { _ in try #require(try manager.acquire()) }
    }

    @Test func anExpiredItemGoesBackToPendingWithOneMoreAttempt() throws {
        let lease = try #require(try leaseAll([NewWorkItem(id: "i", taskID: "t", maxAttempts: 3)]).first)
        env.clock.advance(byMillis: 1_000)
        let result = try sweep().runOnce()
        #expect(result.recovered == 1)
        #expect(result.failed == 0)
        #expect(result.batches == 1)
        #expect(result.items == [SweptItem(itemID: "i", taskID: "t", newStatus: .pending, attempts: 1, fencingToken: lease.fencingToken)])
        let item = try env.item("i")
        #expect(item.status == .pending)
        #expect(item.attempts == 1)
        #expect(item.leaseHolder == nil)
        #expect(item.leaseExpiresAtMillis == nil)
        #expect(item.fencingToken == lease.fencingToken)
        #expect(try env.leases().acquire()?.fencingToken == lease.fencingToken + 1)
    }

    @Test func theHolderOfASweptLeaseCannotCompleteIt() throws {
        let manager = env.leases()
        let lease = try #require(try leaseAll([NewWorkItem(id: "i")]).first)
        env.clock.advance(byMillis: 2_000)
        _ = try sweep().runOnce()
        let error = #expect(throws: RecoveryError.self) { try manager.complete(lease, output: "late") }
        #expect(error?.code == .leaseLost)
        #expect(try env.item("i").output == nil)
    }

    /// `maxAttempts` is the number of leases an item may hold in all: with 3, the third
    /// expired lease fails the item.
    @Test func maxAttemptsIsTheNumberOfLeasesAnItemMayHoldInAll() throws {
        let manager = env.leases(leaseMillis: 1_000)
        try manager.add([NewWorkItem(id: "i", maxAttempts: 3)])
        var leases = 0
        var statuses: [WorkItemStatus] = []
        while let _ = try manager.acquire() {
            leases += 1
            env.clock.advance(byMillis: 1_000)
            let result = try sweep().runOnce()
            statuses += result.items.map(\.newStatus)
        }
        #expect(leases == 3)
        #expect(statuses == [.pending, .pending, .failed])
        let item = try env.item("i")
        #expect(item.status == .failed)
        #expect(item.attempts == 3)
        #expect(item.error == "lease expired on attempt 3 of 3")
    }

    @Test func anItemWithOneAttemptFailsOnItsFirstExpiredLease() throws {
        _ = try leaseAll([NewWorkItem(id: "i", maxAttempts: 1)])
        env.clock.advance(byMillis: 1_000)
        let result = try sweep().runOnce()
        #expect(result.failed == 1)
        #expect(result.recovered == 0)
        #expect(try env.item("i").status == .failed)
    }

    @Test func unexpiredItemsAreUntouched() throws {
        _ = try leaseAll([NewWorkItem(id: "short")], leaseMillis: 1_000)
        _ = try leaseAll([NewWorkItem(id: "long")], leaseMillis: 5_000)
        try env.leases().add([NewWorkItem(id: "waiting")])
        let longBefore = try env.item("long")
        let waitingBefore = try env.item("waiting")
        env.clock.advance(byMillis: 1_000)
        let result = try sweep().runOnce()
        #expect(result.items.map(\.itemID) == ["short"])
        #expect(try env.item("long") == longBefore)
        #expect(try env.item("waiting") == waitingBefore)
    }

    @Test func aSweepWithNothingExpiredDoesNothing() throws {
        _ = try leaseAll([NewWorkItem(id: "i")])
        let result = try sweep().runOnce()
        #expect(result.recovered == 0 && result.failed == 0 && result.batches == 0 && result.items.isEmpty)
    }

    @Test func aRenewalBeforeTheSweepWins() throws {
        let manager = env.leases(leaseMillis: 1_000)
        let lease = try #require(try leaseAll([NewWorkItem(id: "i")]).first)
        env.clock.advance(byMillis: 900)
        let renewed = try manager.renew(lease)
        env.clock.advance(byMillis: 200)  // past the first expiry, before the renewed one
        #expect(try sweep().runOnce().items.isEmpty)
        let item = try env.item("i")
        #expect(item.status == .inProgress)
        #expect(item.attempts == 0)
        #expect(item.leaseExpiresAtMillis == renewed.expiresAtMillis)
        try manager.complete(renewed, output: "ok")
        #expect(try env.item("i").status == .completed)
    }

    @Test func sweepingInBatchesRecoversEveryExpiredItem() throws {
        _ = try leaseAll((0..<20).map { NewWorkItem(id: "item-\($0)") })
        env.clock.advance(byMillis: 1_000)
        let result = try sweep(batchSize: 7).runOnce()
        #expect(result.batches == 3)
        #expect(result.recovered == 20)
        #expect(Set(result.items.map(\.itemID)).count == 20)
        #expect(try env.backend.workItems(status: .pending, ids: nil).count == 20)
        #expect(try env.backend.workItems(status: .inProgress, ids: nil).isEmpty)
    }

    @Test func anExactMultipleOfTheBatchSizeNeedsOneEmptyBatchToStop() throws {
        _ = try leaseAll((0..<14).map { NewWorkItem(id: "item-\($0)") })
        env.clock.advance(byMillis: 1_000)
        let result = try sweep(batchSize: 7).runOnce()
        #expect(result.batches == 2)
        #expect(result.recovered == 14)
    }

    @Test func boundaryCheckpointsAreWrittenPerSweptItem() throws {
        let leases = try leaseAll([NewWorkItem(id: "a", taskID: "task-a"), NewWorkItem(id: "b", maxAttempts: 1)])
        env.clock.advance(byMillis: 1_000)
        let result = try sweep(boundaries: true).runOnce()
        #expect(result.boundaryCheckpoints == 2)
        let manager = env.checkpoints()
        let a = try #require(try manager.list(taskID: "task-a").first)
        #expect(a.type == .errorBoundary)
        #expect(a.workItemID == "a")
        #expect(!a.verified)
        #expect(a.createdAtMillis == env.clock.nowMillis())
        #expect(
            a.snapshot == [
                "event": "lease_expired", "work_item": "a", "now": "pending", "attempts": 1,
                "fencing_token": .int(leases[0].fencingToken),
            ])
        let b = try #require(try manager.list(taskID: "work-item:b").first)
        #expect(b.snapshot["now"] == "failed")
        #expect(b.workItemID == "b")
    }

    @Test func noBoundaryCheckpointsAreWrittenByDefault() throws {
        _ = try leaseAll([NewWorkItem(id: "a", taskID: "task-a")])
        env.clock.advance(byMillis: 1_000)
        let result = try sweep().runOnce()
        #expect(result.boundaryCheckpoints == 0)
        #expect(try env.backend.checkpointTaskIDs().isEmpty)
    }

    @Test func theResultCountsRecoveredAndFailedAndTakesMeasurableTime() throws {
        _ = try leaseAll([
            NewWorkItem(id: "a", maxAttempts: 1), NewWorkItem(id: "b", maxAttempts: 2), NewWorkItem(id: "c", maxAttempts: 1),
        ])
        env.clock.advance(byMillis: 1_000)
        let result = try sweep().runOnce()
        #expect(result.failed == 2)
        #expect(result.recovered == 1)
        #expect(result.durationMillis > 0)
        #expect(result.durationMillis < 60_000)
    }

    @Test func aBoundaryThatThrowsRollsBackTheWholeBatch() throws {
        _ = try leaseAll([NewWorkItem(id: "a")])
        env.clock.advance(byMillis: 1_000)
        struct Refused: Error {}
        let error = #expect(throws: RecoveryError.self) {
            try env.backend.sweepExpired(nowMillis: env.clock.nowMillis(), limit: 10) { _ in throw Refused() }
        }
        #expect(error?.code == .storage)
        #expect(error?.message.contains("Refused") == true)
        #expect(try env.item("a").status == .inProgress)
        #expect(try env.item("a").attempts == 0)
    }

    @Test func retentionKeepsTheNewestCheckpointsOfEveryTaskAndEachNewestVerified() throws {
        let checkpoints = env.checkpoints()
        let held = EvidencePack([.commandExit(command: "ok", expected: 0, observed: 0)])
        let notHeld = EvidencePack([.commandExit(command: "bad", expected: 0, observed: 1)])
        // Task a: 1 verified, then 5 unverified. Task b: 3 verified.
        _ = try checkpoints.commitStep(try checkpoints.beginStep(taskID: "a", type: .iterationEnd, snapshot: 0), evidence: held)
        for i in 1...5 {
            _ = try checkpoints.commitStep(
                try checkpoints.beginStep(taskID: "a", type: .iterationEnd, snapshot: .int(Int64(i))), evidence: notHeld)
        }
        for i in 0..<3 {
            _ = try checkpoints.commitStep(
                try checkpoints.beginStep(taskID: "b", type: .iterationEnd, snapshot: .int(Int64(i))), evidence: held)
        }
        var sweeper = sweep()
        sweeper.retention = RecoverySweep.Retention(store: env.backend, keepNewest: 2)
        let result = try sweeper.runOnce()
        #expect(result.checkpointsDeleted == 3 + 1)
        #expect(try checkpoints.list(taskID: "a").map(\.sequence) == [6, 5, 1])
        #expect(try checkpoints.list(taskID: "b").map(\.sequence) == [3, 2])
        #expect(try checkpoints.lastVerified(taskID: "a")?.sequence == 1)
    }
}
