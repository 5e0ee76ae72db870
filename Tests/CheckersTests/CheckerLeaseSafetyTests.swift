import OrdealSupport
import Testing

@testable import OrdealCheckers
import OrdealModel

@Suite struct CheckerLeaseSafetyTests {
    let checker = LeaseSafetyChecker()

    func acquire(_ token: Int64, by worker: String = "w-0", item id: String = "i1") -> HistoryEvent {
        op("lease.acquire", id, "ok", ["token": .int(token)], worker: worker)
    }

    func complete(_ token: Int64, by worker: String = "w-0", item id: String = "i1", output: String = "out") -> HistoryEvent {
        op("lease.complete", id, "ok", ["token": .int(token), "output": .string(output)], worker: worker)
    }

    @Test func takeoverWithRefusedStaleCompletionPassesLeaseSafety() {
        let refused = op(
            "lease.complete", "i1", "fail", ["token": 1], worker: "w-0",
            error: "lease-lost: cannot release work item i1 with fencing token 1")
        let events = [acquire(1), acquire(2, by: "w-1"), refused, complete(2, by: "w-1")]
        let result = check(checker, events, FinalState(workItems: [item("i1", token: 2, released: 2)]))
        #expect(result.verdict == .pass)
        #expect(result.measurements["stale_refused"] == 1)
        #expect(result.measurements["acquisitions"] == 2)
        #expect(result.measurements["completions"] == 1)
    }

    @Test func tokenAcquiredTwiceFailsLeaseSafety() {
        let second = acquire(1, by: "w-1")
        let result = check(checker, [acquire(1), second])
        #expect(result.verdict == .fail)
        #expect(result.names("acquire-token-not-increasing", key: "i1"))
        #expect(result.shows("acquire-token-not-increasing", second))
    }

    @Test func tokenGoingBackwardsFailsLeaseSafety() {
        let result = check(checker, [acquire(3), acquire(2, by: "w-1")])
        #expect(result.names("acquire-token-not-increasing", key: "i1"))
    }

    @Test func tokensOfDifferentItemsAreIndependent() {
        let result = check(checker, [acquire(1, item: "a"), acquire(1, item: "b")])
        #expect(result.verdict == .pass)
    }

    @Test func staleHolderCompletingAfterTakeoverFailsLeaseSafety() {
        let stale = complete(1)
        let result = check(checker, [acquire(1), acquire(2, by: "w-1"), stale])
        #expect(result.verdict == .fail)
        #expect(result.names("stale-completion", key: "i1"))
        #expect(result.shows("stale-completion", stale))
    }

    @Test func completionWithTokenNeverAcquiredFailsLeaseSafety() {
        let result = check(checker, [acquire(1), complete(5)])
        #expect(result.names("completion-token-never-acquired", key: "i1"))
        #expect(check(checker, [complete(1)]).names("completion-token-never-acquired", key: "i1"))
    }

    @Test func itemLeasedAgainAfterCompletionFailsLeaseSafety() {
        let late = acquire(2, by: "w-1")
        let result = check(checker, [acquire(1), complete(1), late])
        #expect(result.verdict == .fail)
        #expect(result.names("acquired-after-completion", key: "i1"))
        #expect(result.shows("acquired-after-completion", late))
    }

    @Test func itemCompletedTwiceFailsLeaseSafety() {
        let again = complete(1, output: "second")
        let result = check(checker, [acquire(1), complete(1), again])
        #expect(result.verdict == .fail)
        #expect(result.names("completed-twice", key: "i1"))
        #expect(result.shows("completed-twice", again))
    }

    @Test func finalReleasedTokenOtherThanCompletionsFailsLeaseSafety() {
        let result = check(checker, [acquire(1), complete(1)], FinalState(workItems: [item("i1", token: 1, released: 7)]))
        #expect(result.verdict == .fail)
        #expect(result.names("released-token-mismatch", key: "i1"))
        #expect(result.counterexample.first?["released_token"]?.intValue == 7)
    }
}
