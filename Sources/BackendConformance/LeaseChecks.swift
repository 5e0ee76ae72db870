import Foundation
import RecoveryCore

extension BackendConformance {
    /// `LeaseStore`: acquire order, fencing and takeover, retries, queries, concurrency.
    static let leaseChecks: [ConformanceCheck] = [
        ConformanceCheck(
            "acquireTakesPriorityThenAgeThenID",
            "acquire takes the pending item of highest priority, then the oldest, then the lowest id."
        ) { env in
            let manager = env.leases()
            try manager.add([NewWorkItem(id: "old-low", priority: 1)])
            try env.clock.advance(byMillis: 10)
            try manager.add([NewWorkItem(id: "old-high", priority: 5)])
            try env.clock.advance(byMillis: 10)
            try manager.add([
                NewWorkItem(id: "z-high", priority: 5), NewWorkItem(id: "new-high", priority: 5), NewWorkItem(id: "new-low", priority: 1),
            ])
            let order = try (0..<5).map { i in try env.require(try manager.acquire(), "acquisition \(i + 1) of 5 gets an item").itemID }
            try env.expect(order, ["old-high", "new-high", "z-high", "old-low", "new-low"], "the order acquire hands items out in")
            try env.expectNil(try manager.acquire(), "acquire with every item leased and unexpired")
        },
        ConformanceCheck(
            "duplicatesAndBadMaxAttemptsAreRejectedWhole",
            "addWorkItems rejects an existing id, an id twice in the batch, or maxAttempts < 1, and then adds nothing."
        ) { env in
            let manager = env.leases()
            try manager.add([NewWorkItem(id: "a")])
            let dup = try env.expectError("adding an id that exists throws") { try manager.add([NewWorkItem(id: "b"), NewWorkItem(id: "a")]) }
            try env.expect(dup.code, .duplicateWorkItem, "the error for an id that exists")
            try env.expect(dup.message, "work item a already exists; choose another id", "the message for an id that exists")
            let twice = try env.expectError("adding one id twice in a batch throws") {
                try manager.add([NewWorkItem(id: "c"), NewWorkItem(id: "c")])
            }
            try env.expect(twice.code, .duplicateWorkItem, "the error for an id twice in a batch")
            let zero = try env.expectError("adding an item with maxAttempts 0 throws") {
                try manager.add([NewWorkItem(id: "d"), NewWorkItem(id: "e", maxAttempts: 0)])
            }
            try env.expect(zero.code, .invalidArgument, "the error for maxAttempts 0")
            try env.expect(env.backend.workItems(status: nil, ids: nil).map(\.id), ["a"], "the items after three rejected batches")
        },
        ConformanceCheck(
            "fencingTokensTakeoverAndAttempts",
            "Tokens grow with each acquisition, an expired lease is taken over while attempts remain, and a stale token changes nothing."
        ) { env in
            let a = env.leases(holder: "a", leaseMillis: 1_000)
            let b = env.leases(holder: "b", leaseMillis: 1_000)
            try a.add([NewWorkItem(id: "i", maxAttempts: 2)])
            let first = try env.require(try a.acquire(), "a acquires the pending item")
            try env.expect(first.fencingToken, 1, "the first lease's fencing token")
            try env.expect(first.attempts, 0, "the first lease's attempts")
            try env.clock.advance(byMillis: 999)
            try env.expectNil(try b.acquire(), "an unexpired lease is not taken over")
            try env.clock.advance(byMillis: 1)
            let second = try env.require(try b.acquire(), "b takes over the lease once it expired")
            try env.expect(second.fencingToken, 2, "the takeover's fencing token")
            try env.expect(second.attempts, 1, "the takeover's attempts")
            try env.expect(second.holder, "b", "the takeover's holder")
            try env.clock.advance(byMillis: 1_000)
            try env.expectNil(try a.acquire(), "attempts + 1 would reach maxAttempts: no takeover")
            try env.expect(env.item("i").status, .inProgress, "the item's status when no takeover is allowed")

            let renewError = try env.expectError("renewing with a stale token throws") { _ = try a.renew(first) }
            try env.expect(renewError.code, .leaseLost, "the error for renewing with a stale token")
            try env.expect(
                renewError.message,
                "lease lost: cannot renew work item i with fencing token 1: it was taken over (current token 2, yours 1); stop working on it",
                "the message for renewing with a stale token")
            let before = try env.item("i")
            try env.expectError("completing with a stale token throws") { try a.complete(first, output: "stale") }
            try env.expect(env.item("i"), before, "the item after a stale completion")

            let renewed = try b.renew(second)
            try env.expect(renewed.expiresAtMillis, env.clock.nowMillis() + 1_000, "renew sets the expiry to now + leaseMillis")
            try b.complete(second, output: "fresh")
            let again = try env.expectError("completing twice throws") { try b.complete(second, output: "again") }
            try env.expect(
                again.message,
                "lease lost: cannot release work item i with fencing token 2: it is completed, no longer in progress; stop working on it",
                "the message for completing twice")
            let item = try env.item("i")
            try env.expect(item.status, .completed, "the item's status after completion")
            try env.expect(item.output, "fresh", "the item's output after completion")
            try env.expect(item.releasedToken, 2, "the item's releasedToken after completion")
            try env.expectNil(item.leaseHolder, "the item's lease holder after completion")
            try env.expectNil(item.leaseExpiresAtMillis, "the item's lease expiry after completion")

            let ghost = Lease(itemID: "ghost", taskID: nil, payload: "{}", holder: "a", fencingToken: 1, attempts: 0, expiresAtMillis: 0)
            let missing = try env.expectError("renewing an item that does not exist throws") { _ = try a.renew(ghost) }
            try env.expect(missing.code, .workItemNotFound, "the error for renewing an item that does not exist")
            try env.expect(missing.message, "cannot renew work item ghost: no such item", "the message for renewing an item that does not exist")
        },
        ConformanceCheck(
            "retryReturnsToPendingThenFailsWhenExhausted",
            "fail ends an item at once; retry returns it to pending until its attempts run out, then fails it."
        ) { env in
            let manager = env.leases()
            try manager.add([NewWorkItem(id: "i", maxAttempts: 2), NewWorkItem(id: "f")])
            let one = try env.require(try manager.acquire(), "the first acquisition gets an item")
            try env.expect(one.itemID, "f", "the first item acquired (same priority and time: lower id first)")
            try manager.fail(one, error: "bad input")
            let f = try env.item("f")
            try env.expect(f.status, .failed, "the status of a failed item")
            try env.expect(f.error, "bad input", "the error of a failed item")
            try env.expect(f.attempts, 0, "a failure leaves attempts unchanged")
            try env.expect(f.releasedToken, 1, "the releasedToken of a failed item")

            try manager.retry(try env.require(try manager.acquire(), "item i is acquired"), error: "one")
            var item = try env.item("i")
            try env.expect(item.status, .pending, "the status after a retry with an attempt left")
            try env.expect(item.attempts, 1, "the attempts after one retry")
            try env.expect(item.error, "one", "the error after a retry")
            try env.expectNil(item.releasedToken, "the releasedToken after a retry that returns to pending")
            let last = try env.require(try manager.acquire(), "item i is acquired again")
            try env.expect(last.attempts, 1, "the second lease's attempts")
            try env.expect(last.fencingToken, 2, "the second lease's fencing token")
            try manager.retry(last, error: "two")
            item = try env.item("i")
            try env.expect(item.status, .failed, "the status after a retry with no attempt left")
            try env.expect(item.attempts, 2, "the attempts after two retries")
            try env.expect(item.error, "two", "the error after the last retry")
            try env.expect(item.releasedToken, 2, "the releasedToken after a retry that fails the item")
            try env.expectNil(try manager.acquire(), "acquire with every item failed")
        },
        ConformanceCheck(
            "workItemsFilterByStatusAndIDs",
            "workItems filters by status; with ids it returns those items in the order given, otherwise all in id order."
        ) { env in
            let manager = env.leases()
            try manager.add([NewWorkItem(id: "b"), NewWorkItem(id: "a", priority: 1), NewWorkItem(id: "c")])
            _ = try manager.acquire()
            try env.expect(env.backend.workItems(status: .pending, ids: nil).map(\.id), ["b", "c"], "the pending items, in id order")
            try env.expect(env.backend.workItems(status: .inProgress, ids: nil).map(\.id), ["a"], "the items in progress")
            try env.expect(
                env.backend.workItems(status: .pending, ids: ["a", "c", "zz"]).map(\.id), ["c"],
                "the pending items among a, c and zz (which does not exist)")
            try env.expect(env.backend.workItems(status: nil, ids: ["c", "a"]).map(\.id), ["c", "a"], "items c and a, in the order asked")
        },
        ConformanceCheck(
            "idsDifferingOnlyInNormalisationAreDistinct",
            "Ids and keys compare byte for byte: two spellings of \"é\" are two items, in byte order, and two keys."
        ) { env in
            let composed = "caf\u{E9}"
            let decomposed = "cafe\u{301}"
            try env.leases().add([NewWorkItem(id: composed), NewWorkItem(id: decomposed)])
            try env.expect(
                env.backend.workItems(status: nil, ids: nil).map { Array($0.id.utf8) }, [Array(decomposed.utf8), Array(composed.utf8)],
                "the UTF-8 bytes of the ids of two items named café (decomposed and composed), in byte order")
            try env.expect(env.claim(composed), 1, "claiming the composed key")
            try env.expect(env.claim(decomposed), 1, "claiming the decomposed key, a different key")
        },
        ConformanceCheck(
            "concurrentAcquirersNeverShareALease",
            "Four threads acquiring and completing 200 items get each item exactly once."
        ) { env in
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
            try env.expect(got.value.count, 200, "the number of leases four threads got for 200 items")
            try env.expect(Set(got.value).count, 200, "the number of distinct items among those leases")
            try env.expect(env.backend.workItems(status: .completed, ids: nil).count, 200, "the number of completed items")
        },
    ]
}
