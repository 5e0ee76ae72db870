import RecoveryCore

extension BackendConformance {
    /// `LeaseStore.sweepExpired`: bounded batches, boundary checkpoints, all or nothing.
    static let sweepChecks: [ConformanceCheck] = [
        ConformanceCheck(
            "sweepRecoversInBatchesWithBoundaryCheckpoints",
            "sweepExpired returns expired leases to pending (failed with no attempt left) in batches of at most limit, with boundary checkpoints."
        ) { env in
            let manager = env.leases(leaseMillis: 1_000)
            try manager.add((0..<5).map { NewWorkItem(id: "i\($0)", taskID: "t", maxAttempts: $0 == 0 ? 1 : 3) })
            let leases = try (0..<5).map { i in try env.require(try manager.acquire(), "acquisition \(i + 1) of 5 gets an item") }
            try env.clock.advance(byMillis: 500)
            _ = try manager.renew(leases[4])  // renewed before the sweep: not expired
            try env.clock.advance(byMillis: 500)
            let now = env.clock.nowMillis()
            let boundary: @Sendable (SweptItem) throws -> NewCheckpoint? = { item in
                NewCheckpoint(
                    taskID: item.taskID ?? "none", type: .errorBoundary, workItemID: item.itemID, snapshot: "{}",
                    snapshotSHA256: "0", evidence: "{}", verified: false, verification: nil, createdAtMillis: now)
            }
            let first = try env.backend.sweepExpired(nowMillis: now, limit: 3, boundary: boundary)
            let second = try env.backend.sweepExpired(nowMillis: now, limit: 3, boundary: boundary)
            try env.expect(first.count, 3, "the first sweep batch of 4 expired leases (limit 3)")
            try env.expect(second.count, 1, "the second sweep batch")
            try env.expect(env.backend.sweepExpired(nowMillis: now, limit: 3, boundary: boundary), [], "a third sweep finds nothing left")
            let all = (first + second).sorted { $0.itemID < $1.itemID }
            try env.expect(all.map(\.itemID), ["i0", "i1", "i2", "i3"], "the swept items (i4 was renewed)")
            try env.expect(
                all[0], SweptItem(itemID: "i0", taskID: "t", newStatus: .failed, attempts: 1, fencingToken: leases[0].fencingToken),
                "i0 had its one attempt: swept to failed")
            try env.expect(
                all.dropFirst().allSatisfy { $0.newStatus == .pending && $0.attempts == 1 },
                "i1 to i3 are swept to pending with attempts 1", seen: String(reflecting: Array(all.dropFirst())))
            try env.expect(env.item("i0").error, "lease expired on attempt 1 of 1", "the error of an item swept to failed")
            try env.expectNil(env.item("i0").releasedToken, "the releasedToken of an item swept to failed")
            try env.expect(env.item("i4").status, .inProgress, "the renewed item is not swept")
            try env.expect(env.sequences("t"), [4, 3, 2, 1], "one boundary checkpoint per swept item")
            let swept = try env.expectError("completing a swept lease throws") { try manager.complete(leases[1], output: "late") }
            try env.expect(
                swept.message.contains("it is pending, no longer in progress"),
                "the message for completing a swept lease names its state", seen: String(reflecting: swept.message))
        },
        ConformanceCheck(
            "aThrowingBoundaryLeavesEverythingAsItWas",
            "A boundary closure that throws undoes the whole sweep batch, and the error comes back as storage."
        ) { env in
            struct Refused: Error {}
            let manager = env.leases(leaseMillis: 1_000)
            try manager.add([NewWorkItem(id: "a", taskID: "t"), NewWorkItem(id: "b", taskID: "t")])
            _ = try manager.acquire()
            _ = try manager.acquire()
            try env.clock.advance(byMillis: 1_000)
            let before = try env.backend.workItems(status: nil, ids: nil)
            let calls = Locked(0)
            let error = try env.expectError("a sweep whose boundary throws on its second item throws") {
                _ = try env.backend.sweepExpired(nowMillis: env.clock.nowMillis(), limit: 10) { item in
                    if calls.update({ $0 += 1; return $0 }) == 2 { throw Refused() }
                    return NewCheckpoint(
                        taskID: "t", type: .errorBoundary, workItemID: item.itemID, snapshot: "{}", snapshotSHA256: "0",
                        evidence: "{}", verified: false, verification: nil, createdAtMillis: 0)
                }
            }
            try env.expect(error.code, .storage, "a boundary's own error comes back wrapped as")
            try env.expect(env.backend.workItems(status: nil, ids: nil), before, "the items after the undone sweep")
            try env.expect(env.sequences("t"), [], "the checkpoints after the undone sweep (the first boundary's is undone too)")
        },
    ]
}
