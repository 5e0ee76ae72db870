import OrdealSupport
import Testing

@testable import OrdealCheckers
import OrdealModel

/// The rules added for detection power (docs/detection.md): each fails on a history with the
/// bug it targets and passes on the same history without it.
@Suite struct CheckerRenewalRuleTests {
    let checker = LeaseSafetyChecker()

    /// An op stamped on the worker's own monotonic clock (`wt_ms`), `latency` ms long.
    func stamped(_ event: HistoryEvent, wt: Double, latency: Double = 1) -> HistoryEvent {
        var fields = event.fields
        fields["wt_ms"] = .double(wt)
        fields["latency_us"] = .double(latency * 1000)
        return HistoryEvent(fields)
    }

    func acquire(_ token: Int64, by worker: String, wt: Double) -> HistoryEvent {
        stamped(op("lease.acquire", "i1", "ok", ["token": .int(token)], worker: worker), wt: wt)
    }

    func renew(_ token: Int64, by worker: String = "w-0", wt: Double, latency: Double = 1) -> HistoryEvent {
        stamped(op("lease.renew", "i1", "ok", ["token": .int(token), "expires_at_ms": 1], worker: worker), wt: wt, latency: latency)
    }

    @Test func renewalThatBeganAfterTheTakeoverFailsLeaseSafety() {
        let stale = renew(1, wt: 260)
        let result = check(checker, [acquire(1, by: "w-0", wt: 0), acquire(2, by: "w-1", wt: 200), stale])
        #expect(result.verdict == .fail)
        #expect(result.names("stale-renewal-accepted", key: "i1"))
        #expect(result.shows("stale-renewal-accepted", stale))
        #expect(result.measurements["renewals"] == 1)
    }

    @Test func renewalThatBeganBeforeTheTakeoverAndReportedLatePassesLeaseSafety() {
        // Began at 190 ms (reported at 230 ms after a 40 ms call), before the takeover at 200 ms.
        let result = check(checker, [acquire(1, by: "w-0", wt: 0), acquire(2, by: "w-1", wt: 200), renew(1, wt: 230, latency: 40)])
        #expect(result.verdict == .pass)
        #expect(result.measurements["renewals"] == 1)
    }

    func renewLasting(_ token: Int64, wt: Double, leaseMs: Int64) -> HistoryEvent {
        stamped(op("lease.renew", "i1", "ok", ["token": .int(token), "expires_at_ms": 1, "lease_ms": .int(leaseMs)]), wt: wt)
    }

    func refusedRenewal(_ token: Int64, wt: Double) -> HistoryEvent {
        stamped(op("lease.renew", "i1", "fail", ["token": .int(token)], error: "lease-lost: work item i1 is pending"), wt: wt, latency: 0)
    }

    @Test func aLeaseRefusedToItsHolderBeforeItCouldHaveExpiredFailsLeaseSafety() {
        // Renewed at 100 ms for 60 ms (began at 99 ms): live until 159 ms; refused at 120 ms.
        let refusal = refusedRenewal(1, wt: 120)
        let result = check(checker, [renewLasting(1, wt: 100, leaseMs: 60), refusal])
        #expect(result.verdict == .fail)
        #expect(result.shows("lease-lost-before-expiry", refusal))
    }

    @Test func aLeaseRefusedAfterItCouldHaveExpiredPassesLeaseSafety() {
        #expect(check(checker, [renewLasting(1, wt: 100, leaseMs: 60), refusedRenewal(1, wt: 170)]).verdict == .pass)
    }

    @Test func anEarlyLossIsNotJudgedWhenAClockFaultFired() {
        let skew = event("fault", "w-0", t: 1, ["kind": "clock-skew"])
        #expect(check(checker, [skew, renewLasting(1, wt: 100, leaseMs: 60), refusedRenewal(1, wt: 120)]).verdict == .pass)
    }

    @Test func workAfterTheHolderLearntItsLeaseWasLostFailsLeaseSafety() {
        let refused = op(
            "lease.renew", "i1", "fail", ["token": 1], worker: "w-0", error: "lease-lost: work item i1 is held by token 2")
        let zombie = op("lease.work", "i1", "ok", ["token": 1, "unit": 3], worker: "w-0")
        let events = [
            op("lease.acquire", "i1", "ok", ["token": 1], worker: "w-0"), op("lease.work", "i1", "ok", ["token": 1, "unit": 1], worker: "w-0"),
            op("lease.acquire", "i1", "ok", ["token": 2], worker: "w-1"), refused, zombie,
        ]
        let result = check(checker, events)
        #expect(result.verdict == .fail)
        #expect(result.shows("work-after-lost-lease", zombie))
        #expect(result.measurements["work_units"] == 2)
    }

    @Test func workByTheNewHolderAfterTheOldOnesRefusalPassesLeaseSafety() {
        let events = [
            op("lease.acquire", "i1", "ok", ["token": 1], worker: "w-0"),
            op("lease.acquire", "i1", "ok", ["token": 2], worker: "w-1"),
            op("lease.renew", "i1", "fail", ["token": 1], worker: "w-0", error: "lease-lost: held by token 2"),
            op("lease.work", "i1", "ok", ["token": 2, "unit": 1], worker: "w-1"),
        ]
        #expect(check(checker, events).verdict == .pass)
    }
}

@Suite struct CheckerAttemptRuleTests {
    let checker = LeaseSafetyChecker()

    func leases(_ n: Int, item id: String = "i1") -> [HistoryEvent] {
        (1...n).map { op("lease.acquire", id, "ok", ["token": .int(Int64($0))], worker: "w-\($0)") }
    }

    func final(_ status: String, attempts: Int64, max: Int64?) -> FinalState {
        FinalState(workItems: [
            FinalState.WorkItemRecord(
                id: "i1", status: status, token: 3, releasedToken: nil, output: nil, attempts: attempts, maxAttempts: max)
        ])
    }

    @Test func anItemFailedOnItsLastLeasePassesLeaseSafety() {
        let result = check(checker, leases(3), final("failed", attempts: 3, max: 3))
        #expect(result.verdict == .pass)
        #expect(result.measurements["failed_items"] == 1)
    }

    @Test func anItemFailedBeforeItsLastLeaseFailsLeaseSafety() {
        let result = check(checker, leases(2), final("failed", attempts: 2, max: 3))
        #expect(result.verdict == .fail)
        #expect(result.names("failed-before-max-attempts", key: "i1"))
    }

    @Test func anItemAHolderReleasedMayFailEarly() {
        let refused = op("lease.complete", "i1", "fail", ["token": 1], worker: "w-1", error: "lease-lost: held by 2")
        #expect(check(checker, leases(2) + [refused], final("failed", attempts: 2, max: 3)).verdict == .pass)
    }

    @Test func anItemLeasedMoreOftenThanItsMaximumFailsLeaseSafety() {
        let result = check(checker, leases(4), final("in_progress", attempts: 3, max: 3))
        #expect(result.verdict == .fail)
        #expect(result.names("leases-beyond-max-attempts", key: "i1"))
    }

    @Test func withoutMaxAttemptsTheAccountingIsNotJudged() {
        #expect(check(checker, leases(4), final("failed", attempts: 1, max: nil)).verdict == .pass)
    }
}

@Suite struct CheckerCacheAnswersTests {
    let checker = CacheAnswersChecker()

    func answer(_ key: String, _ value: String, request: String?, op name: String = "cache.generate") -> HistoryEvent {
        var value: [String: JSONValue] = ["value": .string(value)]
        if let request { value["request"] = .string(request) }
        return op(name, key, "ok", .object(value))
    }

    @Test func eachRequestWithItsOwnAnswerPassesCacheAnswers() {
        let events = [answer("k1", "a1", request: "r1"), answer("k2", "a2", request: "r2"), answer("k1", "a1", request: "r1", op: "cache.hit")]
        let result = check(checker, events)
        #expect(result.verdict == .pass)
        #expect(result.measurements["answers"] == 3)
        #expect(result.measurements["requests"] == 2)
    }

    @Test func twoRequestsServedOneAnswerFailCacheAnswers() {
        let served = answer("k1", "a1", request: "r2", op: "cache.hit")
        let result = check(checker, [answer("k1", "a1", request: "r1"), served])
        #expect(result.verdict == .fail)
        #expect(result.shows("answer-shared", served))
    }

    @Test func cacheOpsThatNameNoRequestLeaveCacheAnswersUnknown() {
        #expect(check(checker, [answer("k1", "a1", request: nil)]).verdict == .unknown)
    }
}

@Suite struct CheckerFailPolicyTests {
    let checker = EffectsAtMostOnceChecker()

    func call(_ i: Int, _ outcome: String = "ok", reran: Bool, policy: String, incarnation: Int = 1) -> HistoryEvent {
        let output = "{\"exit\":0,\"line\":\"t:\(i)\"}"
        return op(
            "tool.execute", "k\(i)", outcome, ["output": .string(output), "reran": .bool(reran), "policy": .string(policy)],
            incarnation: incarnation)
    }

    @Test func indeterminateCallRunAgainUnderPolicyFailFailsEffectsAtMostOnce() {
        let rerun = call(1, reran: true, policy: "fail")
        let result = check(checker, [call(0, reran: false, policy: "fail", incarnation: 0), rerun], FinalState(effects: ["t:0": 1, "t:1": 2]))
        #expect(result.verdict == .fail)
        #expect(result.shows("reran-under-fail-policy", rerun))
    }

    @Test func indeterminateCallReportedInfoUnderPolicyFailPassesEffectsAtMostOnce() {
        let events = [call(0, reran: false, policy: "fail", incarnation: 0), op("tool.replay", "k1", "info", ["policy": "fail"], incarnation: 1)]
        let result = check(checker, events, FinalState(effects: ["t:0": 1, "t:1": 1]))
        #expect(result.verdict == .pass)
        #expect(result.measurements["indeterminate"] == 1)
    }

    @Test func indeterminateCallRunAgainUnderPolicyRunAgainPassesEffectsAtMostOnce() {
        let events = [call(0, reran: false, policy: "run-again", incarnation: 0), call(1, reran: true, policy: "run-again")]
        let result = check(checker, events, FinalState(effects: ["t:0": 1, "t:1": 2]))
        #expect(result.verdict == .pass)
        #expect(result.measurements["reruns"] == 1)
    }
}

@Suite struct PremiseCheckerTests {
    func fault(_ kind: String, _ worker: String, t: Double) -> HistoryEvent {
        event("fault", worker, t: t, ["kind": .string(kind), "group": "w"])
    }

    func verdict(_ premise: Premise, _ events: [HistoryEvent]) -> Verdict {
        let results = PremiseChecker.check([premise], history: History(events))
        #expect(results.count == 1 && results[0].name == "premise \(premise.rawValue)")
        return results[0].verdict
    }

    @Test func takeoverHoldsOnlyWhenAnotherWorkerAcquiredWithAHigherToken() {
        let first = op("lease.acquire", "i1", "ok", ["token": 1], worker: "w-0")
        #expect(verdict(.takeover, [first, op("lease.acquire", "i1", "ok", ["token": 2], worker: "w-1")]) == .pass)
        #expect(verdict(.takeover, [first, op("lease.acquire", "i2", "ok", ["token": 1], worker: "w-1")]) == .unknown)
    }

    @Test func staleRefusedHoldsOnlyOnALeaseLostRefusal() {
        let refused = op("lease.complete", "i1", "fail", ["token": 1], error: "lease-lost: held by token 2")
        #expect(verdict(.staleRefused, [refused]) == .pass)
        #expect(verdict(.staleRefused, [op("lease.complete", "i1", "fail", ["token": 1], error: "database is locked")]) == .unknown)
    }

    @Test func faultSurfacedIsUnknownWhenTheFaultReachedNoCaller() {
        let io = fault("io-error", "w-0", t: 10)
        let later = op("checkpoint.commit", "t", "ok", ["seq": 1, "sha256": "h"], t: 20)
        #expect(verdict(.faultSurfaced, [io, later]) == .unknown)
        #expect(verdict(.faultSurfaced, [io, op("checkpoint.commit", "t", "fail", t: 20, error: "disk I/O error")]) == .pass)
        #expect(verdict(.faultSurfaced, [io, event("exit", "w-0", t: 30, ["status": "exited", "code": 1])]) == .pass)
        #expect(verdict(.faultSurfaced, [later]) == .unknown)
    }

    @Test func restartedHoldsOnlyOnAnAcknowledgementAfterTheKill() {
        let kill = fault("kill", "w-0", t: 10)
        #expect(verdict(.restarted, [kill, op("checkpoint.commit", "t", "ok", incarnation: 1, t: 20)]) == .pass)
        #expect(verdict(.restarted, [op("checkpoint.commit", "t", "ok", t: 5), kill]) == .unknown)
        #expect(verdict(.restarted, []) == .unknown)
    }

    @Test func killInsideCallHoldsOnlyWhenALaterCallWasRerunOrIndeterminate() {
        let kill = fault("kill", "w-0", t: 10)
        #expect(verdict(.killInsideCall, [kill, op("tool.replay", "k", "info", t: 20)]) == .pass)
        #expect(verdict(.killInsideCall, [kill, op("tool.execute", "k", "ok", ["reran": true], t: 20)]) == .pass)
        #expect(verdict(.killInsideCall, [kill, op("tool.execute", "k", "ok", ["reran": false], t: 20)]) == .unknown)
        #expect(verdict(.killInsideCall, [op("tool.replay", "k", "info", t: 5), kill]) == .unknown)
    }

    @Test func renewalDuringSweepHoldsOnlyWhenARenewalOverlappedARecoveringSweep() {
        func stamped(_ e: HistoryEvent, end: Double, latency: Double) -> HistoryEvent {
            var fields = e.fields
            fields["wt_ms"] = .double(end)
            fields["latency_us"] = .double(latency * 1000)
            return HistoryEvent(fields)
        }
        let sweep = stamped(op("sweep.run", "sweep", "ok", ["recovered": 500, "failed": 0], worker: "sweeper-0"), end: 100, latency: 40)
        let during = stamped(op("lease.renew", "i1", "ok", ["token": 1, "expires_at_ms": 1]), end: 90, latency: 5)
        let before = stamped(op("lease.renew", "i1", "ok", ["token": 1, "expires_at_ms": 1]), end: 50, latency: 5)
        #expect(verdict(.renewalDuringSweep, [sweep, during]) == .pass)
        #expect(verdict(.renewalDuringSweep, [sweep, before]) == .unknown)
        let idle = stamped(op("sweep.run", "sweep", "ok", ["recovered": 0, "failed": 0], worker: "sweeper-0"), end: 100, latency: 40)
        #expect(verdict(.renewalDuringSweep, [idle, during]) == .unknown)
    }

    @Test func lateRenewalHoldsOnlyWhenARenewalBeganAfterItsLeaseRanOut() {
        func renew(_ outcome: String, end: Double) -> HistoryEvent {
            var fields = op("lease.renew", "i1", outcome, ["token": 1, "expires_at_ms": 1, "lease_ms": 60]).fields
            fields["wt_ms"] = .double(end)
            fields["latency_us"] = 1000
            return HistoryEvent(fields)
        }
        #expect(verdict(.lateRenewal, [renew("ok", end: 100), renew("fail", end: 200)]) == .pass)
        #expect(verdict(.lateRenewal, [renew("ok", end: 100), renew("ok", end: 120), renew("ok", end: 140)]) == .unknown)
    }
}

@Suite struct CheckerKilledRunTests {
    let checker = EffectsAtMostOnceChecker()

    func call(_ reran: Bool, worker: String, t: Double) -> HistoryEvent {
        op("tool.execute", "k1", "ok", ["output": "{\"exit\":0,\"line\":\"t:1\"}", "reran": .bool(reran)], worker: worker, incarnation: 1, t: t)
    }

    func kill(_ worker: String, t: Double) -> HistoryEvent { event("fault", worker, t: t, ["kind": "kill"]) }

    @Test func twoRunsKilledInsideOneCallAreExcusedByTheirTwoKills() {
        // Run 1 killed, run 2 (a takeover) killed, run 3 reports reran: three lines.
        let events = [kill("a-0", t: 10), kill("b-0", t: 20), call(true, worker: "a-0", t: 30)]
        let result = check(checker, events, FinalState(effects: ["t:1": 3]))
        #expect(result.verdict == .pass)
        #expect(result.measurements["killed_runs"] == 1)
    }

    @Test func aKillExcusesNoLineWhoseCallWasNeverReportedInterrupted() {
        let events = [kill("a-0", t: 10), call(false, worker: "a-0", t: 30)]
        #expect(check(checker, events, FinalState(effects: ["t:1": 2])).verdict == .fail)
    }

    @Test func oneKillExcusesOneKilledRunOnly() {
        let events = [kill("a-0", t: 10), call(true, worker: "a-0", t: 30)]
        #expect(check(checker, events, FinalState(effects: ["t:1": 4])).verdict == .fail)
    }
}
