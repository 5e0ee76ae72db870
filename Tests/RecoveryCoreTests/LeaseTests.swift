import Testing

@testable import RecoveryCore

@Suite struct LeaseTests {
    let env: TestEnv
    init() throws { env = try TestEnv() }

    @Test func acquireReturnsTheHighestPriorityThenTheOldestItem() throws {
        let manager = env.leases()
        try manager.add([NewWorkItem(id: "old-low", priority: 1)])
        env.clock.advance(byMillis: 10)
        try manager.add([NewWorkItem(id: "old-high", priority: 5)])
        env.clock.advance(byMillis: 10)
        try manager.add([NewWorkItem(id: "new-high", priority: 5), NewWorkItem(id: "new-low", priority: 1)])
        let order = try (0..<4).map { _ in try #require(try manager.acquire()).itemID }
        #expect(order == ["old-high", "new-high", "old-low", "new-low"])
        #expect(try manager.acquire() == nil)
    }

    @Test func acquireReturnsNilWhenThereIsNoWork() throws {
        #expect(try env.leases().acquire() == nil)
    }

    @Test func aGrantedLeaseCarriesTheItemAndItsExpiry() throws {
        let manager = env.leases(holder: "w1", leaseMillis: 5_000)
        try manager.add([NewWorkItem(id: "i", taskID: "task", payload: #"{"x":1}"#)])
        let lease = try #require(try manager.acquire())
        #expect(lease.itemID == "i")
        #expect(lease.taskID == "task")
        #expect(lease.payload == #"{"x":1}"#)
        #expect(lease.holder == "w1")
        #expect(lease.fencingToken == 1)
        #expect(lease.attempts == 0)
        #expect(lease.expiresAtMillis == env.clock.nowMillis() + 5_000)
        let item = try env.item("i")
        #expect(item.status == .inProgress)
        #expect(item.leaseHolder == "w1")
        #expect(item.leaseExpiresAtMillis == lease.expiresAtMillis)
    }

    @Test func addingADuplicateItemIsRejectedAndAddsNothing() throws {
        let manager = env.leases()
        try manager.add([NewWorkItem(id: "a")])
        let error = #expect(throws: RecoveryError.self) { try manager.add([NewWorkItem(id: "b"), NewWorkItem(id: "a")]) }
        #expect(error?.code == .duplicateWorkItem)
        #expect(try env.backend.workItems(status: nil, ids: nil).map(\.id) == ["a"])
    }

    @Test func addingAnItemWithZeroMaxAttemptsIsRejected() {
        let error = #expect(throws: RecoveryError.self) { try env.leases().add([NewWorkItem(id: "a", maxAttempts: 0)]) }
        #expect(error?.code == .invalidArgument)
    }

    @Test func theFencingTokenGrowsOnEveryAcquisitionOfTheSameItem() throws {
        let manager = env.leases(leaseMillis: 100)
        try manager.add([NewWorkItem(id: "i", maxAttempts: 10)])
        var tokens: [Int64] = []
        for _ in 0..<3 {
            let lease = try #require(try manager.acquire())
            tokens.append(lease.fencingToken)
            try manager.retry(lease, error: "again")
        }
        for _ in 0..<2 {
            env.clock.advance(byMillis: 101)
            tokens.append(try #require(try manager.acquire()).fencingToken)
        }
        #expect(tokens == [1, 2, 3, 4, 5])
        #expect(try env.item("i").fencingToken == 5)
    }

    @Test func renewExtendsTheLeaseFromNow() throws {
        let manager = env.leases(leaseMillis: 1_000)
        try manager.add([NewWorkItem(id: "i")])
        let lease = try #require(try manager.acquire())
        env.clock.advance(byMillis: 600)
        let renewed = try manager.renew(lease)
        #expect(renewed.expiresAtMillis == env.clock.nowMillis() + 1_000)
        #expect(renewed.fencingToken == lease.fencingToken)
        #expect(try env.item("i").leaseExpiresAtMillis == renewed.expiresAtMillis)
    }

    /// A lease taken over by another holder after it expired: the old token is stale.
    func takenOver() throws -> (old: Lease, new: Lease, a: LeaseManager, b: LeaseManager) {
        let a = env.leases(holder: "a", leaseMillis: 1_000)
        let b = env.leases(holder: "b", leaseMillis: 1_000)
        try a.add([NewWorkItem(id: "i")])
        let old = try #require(try a.acquire())
        env.clock.advance(byMillis: 1_000)
        let new = try #require(try b.acquire())
        return (old, new, a, b)
    }

    @Test func acquireTakesOverAnExpiredInProgressItemCountingTheLostLease() throws {
        let (old, new, _, _) = try takenOver()
        #expect(new.itemID == old.itemID)
        #expect(new.fencingToken == old.fencingToken + 1)
        #expect(new.attempts == 1)
        let item = try env.item("i")
        #expect(item.leaseHolder == "b")
        #expect(item.attempts == 1)
    }

    @Test func anUnexpiredLeaseIsNotTakenOver() throws {
        let a = env.leases(holder: "a", leaseMillis: 1_000)
        try a.add([NewWorkItem(id: "i")])
        _ = try #require(try a.acquire())
        env.clock.advance(byMillis: 999)
        #expect(try env.leases(holder: "b").acquire() == nil)
    }

    @Test func anExpiredItemWithNoAttemptLeftIsNotTakenOver() throws {
        let a = env.leases(holder: "a", leaseMillis: 1_000)
        try a.add([NewWorkItem(id: "i", maxAttempts: 1)])
        _ = try #require(try a.acquire())
        env.clock.advance(byMillis: 5_000)
        #expect(try env.leases(holder: "b").acquire() == nil)
        #expect(try env.item("i").status == .inProgress)
    }

    @Test func aPendingItemIsPreferredToAnExpiredOne() throws {
        let manager = env.leases(leaseMillis: 1_000)
        try manager.add([NewWorkItem(id: "first", priority: 9)])
        _ = try manager.acquire()
        env.clock.advance(byMillis: 2_000)
        try manager.add([NewWorkItem(id: "second", priority: 0)])
        #expect(try manager.acquire()?.itemID == "second")
        #expect(try manager.acquire()?.itemID == "first")
    }

    @Test func renewWithAStaleTokenThrowsLeaseLostAndChangesNothing() throws {
        let (old, new, a, _) = try takenOver()
        let before = try env.item("i")
        env.clock.advance(byMillis: 10)
        let error = #expect(throws: RecoveryError.self) { try a.renew(old) }
        #expect(error?.code == .leaseLost)
        #expect(error?.message.contains("taken over (current token \(new.fencingToken), yours \(old.fencingToken))") == true)
        #expect(error?.message.contains("stop working on it") == true)
        #expect(try env.item("i") == before)
    }

    @Test func aHolderWhoseLeaseWasTakenOverCannotComplete() throws {
        let (old, _, a, _) = try takenOver()
        let before = try env.item("i")
        let error = #expect(throws: RecoveryError.self) { try a.complete(old, output: "stale result") }
        #expect(error?.code == .leaseLost)
        #expect(error?.message.contains("cannot release work item i") == true)
        #expect(try env.item("i") == before)
    }

    @Test func aStaleCompleteDoesNotOverwriteTheOutputOfTheNewHolder() throws {
        let (old, new, a, b) = try takenOver()
        try b.complete(new, output: "fresh")
        #expect(throws: RecoveryError.self) { try a.complete(old, output: "stale") }
        let item = try env.item("i")
        #expect(item.status == .completed)
        #expect(item.output == "fresh")
        #expect(item.releasedToken == new.fencingToken)
    }

    @Test func aStaleFailOrRetryChangesNothing() throws {
        let (old, _, a, _) = try takenOver()
        let before = try env.item("i")
        let failError = #expect(throws: RecoveryError.self) { try a.fail(old, error: "boom") }
        #expect(failError?.code == .leaseLost)
        let retryError = #expect(throws: RecoveryError.self) { try a.retry(old, error: "boom") }
        #expect(retryError?.code == .leaseLost)
        #expect(try env.item("i") == before)
    }

    @Test func completingTwiceWithTheSameTokenSaysTheItemIsNoLongerInProgress() throws {
        let manager = env.leases()
        try manager.add([NewWorkItem(id: "i")])
        let lease = try #require(try manager.acquire())
        try manager.complete(lease, output: "done")
        let error = #expect(throws: RecoveryError.self) { try manager.complete(lease, output: "again") }
        #expect(error?.code == .leaseLost)
        #expect(error?.message.contains("it is completed, no longer in progress") == true)
        #expect(try env.item("i").output == "done")
    }

    @Test func completeStoresTheOutputAndReleasesTheLease() throws {
        let manager = env.leases()
        try manager.add([NewWorkItem(id: "i")])
        let lease = try #require(try manager.acquire())
        env.clock.advance(byMillis: 3)
        try manager.complete(lease, output: #"{"ok":true}"#)
        let item = try env.item("i")
        #expect(item.status == .completed)
        #expect(item.output == #"{"ok":true}"#)
        #expect(item.leaseHolder == nil)
        #expect(item.leaseExpiresAtMillis == nil)
        #expect(item.releasedToken == lease.fencingToken)
        #expect(item.updatedAtMillis == env.clock.nowMillis())
        #expect(try manager.acquire() == nil)
    }

    @Test func failIsTerminalWithTheError() throws {
        let manager = env.leases()
        try manager.add([NewWorkItem(id: "i", maxAttempts: 5)])
        let lease = try #require(try manager.acquire())
        try manager.fail(lease, error: "bad input")
        let item = try env.item("i")
        #expect(item.status == .failed)
        #expect(item.status.isTerminal)
        #expect(item.error == "bad input")
        #expect(item.attempts == 0)
        #expect(try manager.acquire() == nil)
    }

    @Test func retryReturnsTheItemToPendingWithOneMoreAttempt() throws {
        let manager = env.leases()
        try manager.add([NewWorkItem(id: "i", maxAttempts: 3)])
        let lease = try #require(try manager.acquire())
        try manager.retry(lease, error: "transient")
        let item = try env.item("i")
        #expect(item.status == .pending)
        #expect(item.attempts == 1)
        #expect(item.error == "transient")
        #expect(item.leaseHolder == nil)
        #expect(item.releasedToken == nil)
        #expect(try manager.acquire()?.attempts == 1)
    }

    @Test func retryFailsTheItemWhenItsAttemptsAreExhausted() throws {
        let manager = env.leases()
        try manager.add([NewWorkItem(id: "i", maxAttempts: 2)])
        try manager.retry(try #require(try manager.acquire()), error: "one")
        let last = try #require(try manager.acquire())
        try manager.retry(last, error: "two")
        let item = try env.item("i")
        #expect(item.status == .failed)
        #expect(item.attempts == 2)
        #expect(item.error == "two")
        #expect(item.releasedToken == last.fencingToken)
        #expect(try manager.acquire() == nil)
    }

    @Test func renewingAnUnknownItemThrowsWorkItemNotFound() {
        let lease = Lease(itemID: "ghost", taskID: nil, payload: "{}", holder: "a", fencingToken: 1, attempts: 0, expiresAtMillis: 0)
        let error = #expect(throws: RecoveryError.self) { try env.leases().renew(lease) }
        #expect(error?.code == .workItemNotFound)
        #expect(error?.message.contains("ghost") == true)
    }

    @Test func workItemsFiltersByStatusAndIDs() throws {
        let manager = env.leases()
        try manager.add([NewWorkItem(id: "b"), NewWorkItem(id: "a", priority: 1), NewWorkItem(id: "c")])
        _ = try manager.acquire()
        #expect(try env.backend.workItems(status: .pending, ids: nil).map(\.id) == ["b", "c"])
        #expect(try env.backend.workItems(status: .inProgress, ids: nil).map(\.id) == ["a"])
        #expect(try env.backend.workItems(status: .pending, ids: ["a", "c", "zz"]).map(\.id) == ["c"])
        #expect(try env.backend.workItems(status: nil, ids: ["c", "a"]).map(\.id) == ["c", "a"])
    }
}
