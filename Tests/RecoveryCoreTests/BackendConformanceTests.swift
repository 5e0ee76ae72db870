import Foundation
import OrdealSupport
import Testing

@testable import RecoveryCore

/// Behaviour every backend must share, run against each `BackendKind` with the same
/// expectations. What only SQLite can show (damaged rows, durability modes, file locking)
/// stays in the SQLite-only suites.
@Suite struct BackendConformanceTests {
    // MARK: Checkpoints

    @Test(arguments: BackendKind.allCases)
    func sequenceNumbersArePerTaskAndNeverReused(_ kind: BackendKind) throws {
        let env = try ConformanceEnv(kind)
        for _ in 0..<3 { try env.insert("t", verified: false) }
        try env.insert("u")
        #expect(try env.sequences("t") == [3, 2, 1])
        #expect(try env.sequences("u") == [1])
        // The newest is never deleted, so the next number follows it even after deletions.
        #expect(try env.backend.deleteCheckpoints(taskID: "t", sequences: [2, 3, 99], keepNewest: nil) == 1)
        #expect(try env.insert("t").sequence == 4)
        #expect(try env.sequences("t") == [4, 3, 1])
        #expect(try env.backend.checkpointTaskIDs() == ["t", "u"])
        #expect(try env.backend.checkpoint(id: CheckpointID(taskID: "t", sequence: 2)) == nil)
        #expect(try env.backend.checkpoint(id: CheckpointID(taskID: "t", sequence: 3))?.verified == false)
    }

    @Test(arguments: BackendKind.allCases)
    func queriesAreNewestFirstWithTypeVerifiedAndLimit(_ kind: BackendKind) throws {
        let env = try ConformanceEnv(kind)
        try env.insert("t", type: .iterationEnd, verified: true)
        try env.insert("t", type: .toolExecuted, verified: false)
        try env.insert("t", type: .iterationEnd, verified: false)
        try env.insert("t", type: .iterationEnd, verified: true)
        func q(_ type: CheckpointType? = nil, verified: Bool = false, limit: Int = 1000) throws -> [Int64] {
            try env.backend.checkpoints(CheckpointQuery(taskID: "t", type: type, verifiedOnly: verified, limit: limit))
                .map(\.sequence)
        }
        #expect(try q() == [4, 3, 2, 1])
        #expect(try q(.iterationEnd) == [4, 3, 1])
        #expect(try q(verified: true) == [4, 1])
        #expect(try q(.iterationEnd, verified: true, limit: 1) == [4])
        #expect(try q(limit: 0) == [])
        #expect(try q(.approvalPoint) == [])
        #expect(try env.backend.checkpoints(CheckpointQuery(taskID: "nobody")) == [])

        let id = CheckpointID(taskID: "t", sequence: 2)
        #expect(try env.backend.recordVerification(id: id, verified: true, atMillis: 77, report: "{}"))
        let row = try #require(try env.backend.checkpoint(id: id))
        #expect(row.verified && row.verifiedAtMillis == 77 && row.verification == "{}")
        #expect(try !env.backend.recordVerification(id: CheckpointID(taskID: "t", sequence: 9), verified: true, atMillis: 1, report: nil))
    }

    @Test(arguments: BackendKind.allCases)
    func deletionNeverTakesTheNewestVerifiedNorTheNewest(_ kind: BackendKind) throws {
        let env = try ConformanceEnv(kind)
        try env.insert("t", verified: false)  // 1
        try env.insert("t", verified: true)  // 2: newest verified
        try env.insert("t", verified: false)  // 3
        try env.insert("t", verified: false)  // 4: newest
        #expect(try env.backend.deleteCheckpoints(taskID: "t", sequences: [1, 2, 4], keepNewest: nil) == 1)
        #expect(try env.sequences("t") == [4, 3, 2])
        // keepNewest 0 counts as 1; the newest verified stays.
        #expect(try env.backend.deleteCheckpoints(taskID: "t", sequences: nil, keepNewest: 0) == 1)
        #expect(try env.sequences("t") == [4, 2])
        #expect(try env.backend.deleteCheckpoints(taskID: "none", sequences: [1], keepNewest: 1) == 0)
        #expect(try env.checkpoints().cleanup(taskID: "t", keepNewest: 5) == 0)
    }

    // MARK: Leases

    @Test(arguments: BackendKind.allCases)
    func acquireTakesPriorityThenAgeThenID(_ kind: BackendKind) throws {
        let env = try ConformanceEnv(kind)
        let manager = env.leases()
        try manager.add([NewWorkItem(id: "old-low", priority: 1)])
        env.clock.advance(byMillis: 10)
        try manager.add([NewWorkItem(id: "old-high", priority: 5)])
        env.clock.advance(byMillis: 10)
        try manager.add([NewWorkItem(id: "z-high", priority: 5), NewWorkItem(id: "new-high", priority: 5), NewWorkItem(id: "new-low", priority: 1)])
        let order = try (0..<5).map { _ in try #require(try manager.acquire()).itemID }
        #expect(order == ["old-high", "new-high", "z-high", "old-low", "new-low"])
        #expect(try manager.acquire() == nil)
    }

    @Test(arguments: BackendKind.allCases)
    func duplicatesAndBadMaxAttemptsAreRejectedWhole(_ kind: BackendKind) throws {
        let env = try ConformanceEnv(kind)
        let manager = env.leases()
        try manager.add([NewWorkItem(id: "a")])
        let dup = #expect(throws: RecoveryError.self) { try manager.add([NewWorkItem(id: "b"), NewWorkItem(id: "a")]) }
        #expect(dup?.code == .duplicateWorkItem)
        #expect(dup?.message == "work item a already exists; choose another id")
        let twice = #expect(throws: RecoveryError.self) { try manager.add([NewWorkItem(id: "c"), NewWorkItem(id: "c")]) }
        #expect(twice?.code == .duplicateWorkItem)
        let zero = #expect(throws: RecoveryError.self) { try manager.add([NewWorkItem(id: "d"), NewWorkItem(id: "e", maxAttempts: 0)]) }
        #expect(zero?.code == .invalidArgument)
        #expect(try env.backend.workItems(status: nil, ids: nil).map(\.id) == ["a"])
    }

    @Test(arguments: BackendKind.allCases)
    func fencingTokensTakeoverAndAttempts(_ kind: BackendKind) throws {
        let env = try ConformanceEnv(kind)
        let a = env.leases(holder: "a", leaseMillis: 1_000)
        let b = env.leases(holder: "b", leaseMillis: 1_000)
        try a.add([NewWorkItem(id: "i", maxAttempts: 2)])
        let first = try #require(try a.acquire())
        #expect(first.fencingToken == 1 && first.attempts == 0)
        env.clock.advance(byMillis: 999)
        #expect(try b.acquire() == nil, "an unexpired lease is not taken over")
        env.clock.advance(byMillis: 1)
        let second = try #require(try b.acquire())
        #expect(second.fencingToken == 2 && second.attempts == 1 && second.holder == "b")
        env.clock.advance(byMillis: 1_000)
        #expect(try a.acquire() == nil, "attempts + 1 would reach maxAttempts: no takeover")
        #expect(try env.item("i").status == .inProgress)

        let renewError = #expect(throws: RecoveryError.self) { try a.renew(first) }
        #expect(renewError?.code == .leaseLost)
        #expect(renewError?.message == "lease lost: cannot renew work item i with fencing token 1: it was taken over (current token 2, yours 1); stop working on it")
        let before = try env.item("i")
        #expect(throws: RecoveryError.self) { try a.complete(first, output: "stale") }
        #expect(try env.item("i") == before)

        let renewed = try b.renew(second)
        #expect(renewed.expiresAtMillis == env.clock.nowMillis() + 1_000)
        try b.complete(second, output: "fresh")
        let again = #expect(throws: RecoveryError.self) { try b.complete(second, output: "again") }
        #expect(again?.message == "lease lost: cannot release work item i with fencing token 2: it is completed, no longer in progress; stop working on it")
        let item = try env.item("i")
        #expect(item.status == .completed && item.output == "fresh" && item.releasedToken == 2)
        #expect(item.leaseHolder == nil && item.leaseExpiresAtMillis == nil)

        let ghost = Lease(itemID: "ghost", taskID: nil, payload: "{}", holder: "a", fencingToken: 1, attempts: 0, expiresAtMillis: 0)
        let missing = #expect(throws: RecoveryError.self) { try a.renew(ghost) }
        #expect(missing?.code == .workItemNotFound)
        #expect(missing?.message == "cannot renew work item ghost: no such item")
    }

    @Test(arguments: BackendKind.allCases)
    func retryReturnsToPendingThenFailsWhenExhausted(_ kind: BackendKind) throws {
        let env = try ConformanceEnv(kind)
        let manager = env.leases()
        try manager.add([NewWorkItem(id: "i", maxAttempts: 2), NewWorkItem(id: "f")])
        let one = try #require(try manager.acquire())
        #expect(one.itemID == "f")
        try manager.fail(one, error: "bad input")
        let f = try env.item("f")
        #expect(f.status == .failed && f.error == "bad input" && f.attempts == 0 && f.releasedToken == 1)

        try manager.retry(try #require(try manager.acquire()), error: "one")
        var item = try env.item("i")
        #expect(item.status == .pending && item.attempts == 1 && item.error == "one" && item.releasedToken == nil)
        let last = try #require(try manager.acquire())
        #expect(last.attempts == 1 && last.fencingToken == 2)
        try manager.retry(last, error: "two")
        item = try env.item("i")
        #expect(item.status == .failed && item.attempts == 2 && item.error == "two" && item.releasedToken == 2)
        #expect(try manager.acquire() == nil)
    }

    @Test(arguments: BackendKind.allCases)
    func sweepRecoversInBatchesWithBoundaryCheckpoints(_ kind: BackendKind) throws {
        let env = try ConformanceEnv(kind)
        let manager = env.leases(leaseMillis: 1_000)
        try manager.add((0..<5).map { NewWorkItem(id: "i\($0)", taskID: "t", maxAttempts: $0 == 0 ? 1 : 3) })
        let leases = try (0..<5).map { _ in try #require(try manager.acquire()) }
        env.clock.advance(byMillis: 500)
        _ = try manager.renew(leases[4])  // renewed before the sweep: not expired
        env.clock.advance(byMillis: 500)
        let now = env.clock.nowMillis()
        let boundary: @Sendable (SweptItem) throws -> NewCheckpoint? = { item in
            NewCheckpoint(
                taskID: item.taskID ?? "none", type: .errorBoundary, workItemID: item.itemID, snapshot: "{}",
                snapshotSHA256: "0", evidence: "{}", verified: false, verification: nil, createdAtMillis: now)
        }
        let first = try env.backend.sweepExpired(nowMillis: now, limit: 3, boundary: boundary)
        let second = try env.backend.sweepExpired(nowMillis: now, limit: 3, boundary: boundary)
        #expect(first.count == 3 && second.count == 1)
        #expect(try env.backend.sweepExpired(nowMillis: now, limit: 3, boundary: boundary).isEmpty)
        let all = (first + second).sorted { $0.itemID < $1.itemID }
        #expect(all.map(\.itemID) == ["i0", "i1", "i2", "i3"])
        #expect(all[0] == SweptItem(itemID: "i0", taskID: "t", newStatus: .failed, attempts: 1, fencingToken: leases[0].fencingToken))
        #expect(all.dropFirst().allSatisfy { $0.newStatus == .pending && $0.attempts == 1 })
        #expect(try env.item("i0").error == "lease expired on attempt 1 of 1")
        #expect(try env.item("i0").releasedToken == nil)
        #expect(try env.item("i4").status == .inProgress)
        #expect(try env.sequences("t") == [4, 3, 2, 1])
        let swept = #expect(throws: RecoveryError.self) { try manager.complete(leases[1], output: "late") }
        #expect(swept?.message.contains("it is pending, no longer in progress") == true)
    }

    @Test(arguments: BackendKind.allCases)
    func aThrowingBoundaryLeavesEverythingAsItWas(_ kind: BackendKind) throws {
        struct Refused: Error {}
        let env = try ConformanceEnv(kind)
        let manager = env.leases(leaseMillis: 1_000)
        try manager.add([NewWorkItem(id: "a", taskID: "t"), NewWorkItem(id: "b", taskID: "t")])
        _ = try manager.acquire()
        _ = try manager.acquire()
        env.clock.advance(byMillis: 1_000)
        let before = try env.backend.workItems(status: nil, ids: nil)
        let calls = Locked(0)
        let error = #expect(throws: RecoveryError.self) {
            try env.backend.sweepExpired(nowMillis: env.clock.nowMillis(), limit: 10) { item in
                if calls.update({ $0 += 1; return $0 }) == 2 { throw Refused() }
                return NewCheckpoint(
                    taskID: "t", type: .errorBoundary, workItemID: item.itemID, snapshot: "{}", snapshotSHA256: "0",
                    evidence: "{}", verified: false, verification: nil, createdAtMillis: 0)
            }
        }
        #expect(error?.code == .storage)
        #expect(try env.backend.workItems(status: nil, ids: nil) == before)
        #expect(try env.sequences("t") == [])
    }

    @Test(arguments: BackendKind.allCases)
    func workItemsFilterByStatusAndIDs(_ kind: BackendKind) throws {
        let env = try ConformanceEnv(kind)
        let manager = env.leases()
        try manager.add([NewWorkItem(id: "b"), NewWorkItem(id: "a", priority: 1), NewWorkItem(id: "c")])
        _ = try manager.acquire()
        #expect(try env.backend.workItems(status: .pending, ids: nil).map(\.id) == ["b", "c"])
        #expect(try env.backend.workItems(status: .inProgress, ids: nil).map(\.id) == ["a"])
        #expect(try env.backend.workItems(status: .pending, ids: ["a", "c", "zz"]).map(\.id) == ["c"])
        #expect(try env.backend.workItems(status: nil, ids: ["c", "a"]).map(\.id) == ["c", "a"])
    }

    /// Ids are compared byte for byte: two spellings of "é" are two items, in byte order.
    @Test(arguments: BackendKind.allCases)
    func idsDifferingOnlyInNormalisationAreDistinct(_ kind: BackendKind) throws {
        let env = try ConformanceEnv(kind)
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        try env.leases().add([NewWorkItem(id: composed), NewWorkItem(id: decomposed)])
        #expect(try env.backend.workItems(status: nil, ids: nil).map { Array($0.id.utf8) } == [Array(decomposed.utf8), Array(composed.utf8)])
        #expect(try env.claim(composed) == 1)
        #expect(try env.claim(decomposed) == 1)
    }

    @Test(arguments: BackendKind.allCases)
    func concurrentAcquirersNeverShareALease(_ kind: BackendKind) throws {
        let env = try ConformanceEnv(kind)
        try env.leases().add((0..<200).map { NewWorkItem(id: "i\($0)") })
        let got = Locked<[String]>([])
        let group = DispatchGroup()
        for t in 0..<4 {
            group.enter()
            Thread {
                defer { group.leave() }
                let manager = env.leases(holder: "w\(t)")
                while let lease = try? manager.acquire() {
                    got.update { $0.append(lease.itemID) }
                    try? manager.complete(lease, output: "w\(t)")
                }
            }.start()
        }
        group.wait()
        #expect(got.value.count == 200)
        #expect(Set(got.value).count == 200)
        #expect(try env.backend.workItems(status: .completed, ids: nil).count == 200)
    }

    // MARK: Idempotency

    @Test(arguments: BackendKind.allCases)
    func claimsAreCompareAndSwap(_ kind: BackendKind) throws {
        let env = try ConformanceEnv(kind)
        #expect(try env.claim("k", taskID: "t") == 1)
        #expect(try env.claim("k") == nil, "insert only when absent")
        #expect(try env.claim("k", replacing: 7) == nil, "replace only the current token")
        #expect(try env.claim("k", owner: "other", replacing: 1) == 2)
        #expect(try env.claim("k", replacing: 1) == nil)
        let now = env.clock.nowMillis()
        #expect(try !env.backend.completeKey(key: "k", token: 1, result: "stale", nowMillis: now, expiresAtMillis: now + 10))
        #expect(try env.backend.completeKey(key: "k", token: 2, result: "r", nowMillis: now, expiresAtMillis: now + 10))
        #expect(try !env.backend.completeKey(key: "k", token: 2, result: "again", nowMillis: now, expiresAtMillis: now + 10))
        #expect(try !env.backend.failKey(key: "k", token: 2, error: "late", nowMillis: now))
        let entry = try #require(try env.backend.entry(key: "k"))
        #expect(entry.status == .done && entry.owner == "other" && entry.claimToken == 2 && entry.taskID == "t")
        #expect(entry.request == nil, "the hot lookup leaves the request out")
        #expect(entry.result == "r" && entry.completedAtMillis == now && entry.expiresAtMillis == now + 10)
        #expect(try env.backend.storedResult(key: "k", nowMillis: now + 9) == "r")
        #expect(try env.backend.storedResult(key: "k", nowMillis: now + 10) == nil, "expired")
        // A done entry can be replaced by its token (regeneration after expiry); the result goes.
        #expect(try env.claim("k", replacing: 2) == 3)
        let reclaimed = try #require(try env.backend.entry(key: "k"))
        #expect(reclaimed.status == .claimed && reclaimed.result == nil && reclaimed.expiresAtMillis == nil)
        #expect(try env.backend.storedResult(key: "k", nowMillis: now) == nil)
        #expect(try env.backend.failKey(key: "k", token: 3, error: "boom", nowMillis: now + 1))
        let failed = try #require(try env.backend.entry(key: "k"))
        #expect(failed.status == .failed && failed.error == "boom" && failed.completedAtMillis == now + 1)
        #expect(try env.backend.deleteKey(key: "k"))
        #expect(try !env.backend.deleteKey(key: "k"))
        #expect(try env.claim("k") == 1)
    }

    @Test(arguments: BackendKind.allCases)
    func entriesAreNewestFirstThenByKeyAndPurgeTakesExpiredDoneOnly(_ kind: BackendKind) throws {
        let env = try ConformanceEnv(kind)
        _ = try env.claim("b", taskID: "t")
        _ = try env.claim("a", taskID: "t")
        env.clock.advance(byMillis: 5)
        _ = try env.claim("c", taskID: "u")
        _ = try env.claim("x", kind: .tool, taskID: "t")
        #expect(try env.backend.entries(kind: .llm, taskID: nil, limit: 10).map(\.key) == ["c", "a", "b"])
        #expect(try env.backend.entries(kind: .llm, taskID: "t", limit: 1).map(\.key) == ["a"])
        #expect(try env.backend.entries(kind: .llm, taskID: "t", limit: 10).first?.request == #"{"k":"a"}"#)
        #expect(try env.backend.entries(kind: .tool, taskID: nil, limit: 10).map(\.key) == ["x"])
        let now = env.clock.nowMillis()
        #expect(try env.backend.completeKey(key: "a", token: 1, result: "1", nowMillis: now, expiresAtMillis: now))
        #expect(try env.backend.completeKey(key: "b", token: 1, result: "1", nowMillis: now, expiresAtMillis: now + 1))
        #expect(try env.backend.completeKey(key: "x", token: 1, result: "1", nowMillis: now, expiresAtMillis: now))
        #expect(try env.backend.purgeExpired(kind: .llm, nowMillis: now) == 1)
        #expect(try env.backend.entries(kind: .llm, taskID: nil, limit: 10).map(\.key) == ["c", "b"])
        #expect(try env.backend.entries(kind: .tool, taskID: nil, limit: 10).map(\.key) == ["x"])
    }

    @Test(arguments: BackendKind.allCases)
    func theCacheTakesOverAClaimOfADeadOwner(_ kind: BackendKind) throws {
        let env = try ConformanceEnv(kind)
        let request = LLMRequest(operation: "summarise", prompt: "Say hi", model: "m-1", taskID: "t")
        try env.insertAbandonedClaim(key: try request.key(), kind: .llm, owner: try deadOwner())
        let cache = LLMCache(store: env.backend, clock: env.clock)
        let result = try cache.getOrGenerate(request) { "mine" }
        #expect(!result.hit && result.value == "mine")
        #expect(cache.stats.regenerated == 1)
        let entry = try #require(try env.backend.entry(key: result.key))
        #expect(entry.owner == ClaimOwner.current.description)
        #expect(entry.claimToken == 2)
        let hit = try cache.getOrGenerate(request) { "never" }
        #expect(hit.hit && hit.value == "mine")
    }

    @Test(arguments: BackendKind.allCases)
    func theLedgerTreatsADeadOwnersClaimAsIndeterminate(_ kind: BackendKind) throws {
        let env = try ConformanceEnv(kind)
        let call = ToolRequest(tool: "shell", command: "rm -rf /tmp/build", taskID: "t")
        try env.insertAbandonedClaim(key: try call.key(), kind: .tool, owner: try deadOwner(), taskID: "t")
        let ledger = ToolLedger(store: env.backend, clock: env.clock)
        let error = #expect(throws: RecoveryError.self) { try ledger.executeOrReplay(call, policy: .fail) { "x" } }
        #expect(error?.code == .indeterminateToolCall)
        #expect(try env.backend.entry(key: try call.key())?.status == .claimed)
        let rerun = try ledger.executeOrReplay(call, policy: .runAgain) { "second effect" }
        #expect(rerun.reran && rerun.output == "second effect")
        let replay = try ledger.executeOrReplay(call, policy: .fail) { "third" }
        #expect(replay.replayed && replay.output == "second effect")
        #expect(try ledger.history(taskID: "t").count == 1)
    }

    // MARK: Tasks

    @Test(arguments: BackendKind.allCases)
    func theRunnerResumesAfterTheLastVerifiedCheckpoint(_ kind: BackendKind) throws {
        struct Crash: Error {}
        let env = try ConformanceEnv(kind)
        let runs = Locked<[String: Int]>([:])
        let crashNext = Locked<Set<String>>(["s2"])
        let steps = ["s0", "s1", "s2", "s3"].map { name in
            TaskStep(name: name) { context in
                runs.update { $0[name, default: 0] += 1 }
                if crashNext.update({ $0.remove(name) != nil }) { throw Crash() }
                let artifact = env.path("\(name).out")
                try env.scratch.writeFile("\(name).out", "\(context.stepIndex)")
                let state = JSONValue.array((context.state.arrayValue ?? []) + [.string(name)])
                return StepOutcome(state: state, evidence: EvidencePack([.artifactExists(path: artifact, kind: .file)]))
            }
        }
        let runner = TaskRunner(backend: env.backend, clock: env.clock)
        #expect(throws: Crash.self) { try runner.run(taskID: "t", steps: steps) }
        #expect(try env.backend.task(id: "t")?.state == .failed)
        try env.backend.setTaskState(taskID: "t", state: .running, detail: nil, nowMillis: env.clock.nowMillis())
        let report = try runner.run(taskID: "t", steps: steps)
        #expect(report.firstStep == 2)
        #expect(report.resumedFromSequence == 2)
        #expect(report.stepsRun == ["s2", "s3"])
        #expect(report.finalState == ["s0", "s1", "s2", "s3"])
        #expect(runs.value == ["s0": 1, "s1": 1, "s2": 2, "s3": 1])
        let task = try #require(try env.backend.task(id: "t"))
        #expect(task.state == .succeeded)
        #expect(try env.backend.task(id: "nobody") == nil)
        #expect(try env.backend.integrityProblems() == [])
    }
}
