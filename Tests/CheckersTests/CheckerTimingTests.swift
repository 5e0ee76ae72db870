import OrdealSupport
import Testing

@testable import OrdealCheckers
import OrdealModel

@Suite struct CheckerLivenessTests {
    let checker = LivenessChecker()
    let done = FinalState(workItems: [item("i1"), item("i2", "failed")], tasks: ["job": "succeeded", "old": "failed"])

    @Test func allWorkFinishedSoonAfterRestartPassesLiveness() {
        let events = [
            event("spawn", "w-0"), event("fault", "w-0", t: 100, ["kind": "kill"]),
            event("exit", "w-0", t: 101, ["status": "signaled", "signal": 9]),
            event("spawn", "w-0", incarnation: 1, t: 150), op("lease.complete", "i1", "ok", incarnation: 1, t: 300),
            event("done", "w-0", incarnation: 1, t: 400),
        ]
        let result = check(checker, events, done, context: CheckContext(livenessMillis: 1000))
        #expect(result.verdict == .pass, "\(result.detail)")
        #expect(result.measurements["progress_after_recovery_ms"] == 250)
    }

    /// A heal after the last progress is no negative delay: the detail says the recovery came last.
    @Test func progressBeforeTheLastRecoveryIsSaidSoNotAsANegativeDelay() {
        let events = [
            event("spawn", "w-0"), op("lease.complete", "i1", "ok", t: 300), event("fault", "w-0", t: 200, ["kind": "pause"]),
            event("heal", "w-0", t: 304.6), event("done", "w-0", t: 302),
        ]
        let result = check(checker, events, done, context: CheckContext(livenessMillis: 1000))
        #expect(result.verdict == .pass)
        #expect(result.detail.contains("2.6 ms before the last recovery") && !result.detail.contains("-"), "\(result.detail)")
    }

    @Test func pendingWorkItemFailsLiveness() {
        var final = done
        final.workItems.append(item("i3", "pending", released: nil, output: nil))
        let result = check(checker, [], final)
        #expect(result.verdict == .fail)
        #expect(result.names("item-not-terminal", key: "i3"))
    }

    @Test func itemLeftInProgressFailsLiveness() {
        var final = done
        final.workItems = [item("i1", "in_progress", released: nil, output: nil)]
        #expect(check(checker, [], final).names("item-not-terminal", key: "i1"))
    }

    @Test func taskStillRunningFailsLiveness() {
        var final = done
        final.tasks["job"] = "running"
        let result = check(checker, [], final)
        #expect(result.verdict == .fail)
        #expect(result.names("task-not-terminal", key: "job"))
    }

    @Test func progressLongAfterHealFailsLiveness() {
        let last = event("done", "w-1", t: 5_000)
        let events = [event("heal", "w-0", t: 1_000, ["kind": "pause"]), last]
        let result = check(checker, events, done, context: CheckContext(livenessMillis: 2_000))
        #expect(result.verdict == .fail)
        #expect(result.names("slow-progress-after-recovery", key: "w-1"))
        #expect(result.shows("slow-progress-after-recovery", last))
        #expect(result.measurements["progress_after_recovery_ms"] == 4_000)
    }

    @Test func endOfRunReaderIsNotProgress() {
        let reader = HistoryEvent(["type": "done", "worker": "reader-0", "group": "reader", "t_ms": 60_000.0])
        let events = [event("heal", "w-0", t: 1_000), event("done", "w-0", t: 1_500), reader]
        let result = check(checker, events, done, context: CheckContext(livenessMillis: 2_000))
        #expect(result.verdict == .pass)
        #expect(result.measurements["progress_after_recovery_ms"] == 500)
    }

    @Test func killWithoutRestartIsMeasuredFromTheExit() {
        let events = [
            event("exit", "w-0", t: 100, ["status": "signaled"]), op("task.finish", "job", "ok", worker: "w-1", t: 20_100),
        ]
        let result = check(checker, events, done, context: CheckContext(livenessMillis: 10_000))
        #expect(result.names("slow-progress-after-recovery", key: "w-1"))
    }
}

@Suite struct CheckerRecoveryTimeTests {
    let checker = RecoveryTimeChecker()

    func killAndRestart(_ worker: String, killAt: Double, backAt: Double, incarnation: Int = 0) -> [HistoryEvent] {
        [
            event("spawn", worker, incarnation: incarnation, t: killAt - 50),
            event("fault", worker, t: killAt, ["kind": "kill"]),
            event("exit", worker, incarnation: incarnation, t: killAt + 1, ["status": "signaled", "signal": 9]),
            event("spawn", worker, incarnation: incarnation + 1, t: killAt + 10),
            op("checkpoint.commit", "t", "fail", worker: worker, incarnation: incarnation + 1, t: backAt - 1),
            op("checkpoint.commit", "t", "ok", worker: worker, incarnation: incarnation + 1, t: backAt),
        ]
    }

    @Test func runWithoutKillsIsUnknownWithNothingToRecoverFrom() {
        let result = check(checker, [event("fault", "w-0", t: 5, ["kind": "pause"])])
        #expect(result.verdict == .unknown)
        #expect(result.detail == "judged nothing: nothing was measured for recovery: no worker was killed")
    }

    @Test func recoveryTimeIsFirstAcknowledgementAfterRestartMinusTheKill() {
        let events =
            killAndRestart("w-0", killAt: 100, backAt: 102) + killAndRestart("w-1", killAt: 200, backAt: 205)
            + killAndRestart("w-0", killAt: 300, backAt: 310, incarnation: 1)
        let result = check(checker, events)
        #expect(result.verdict == .pass, "\(result.detail)")
        #expect(result.measurements["kills"] == 3)
        #expect(result.measurements["recoveries"] == 3)
        #expect(result.measurements["recovery_p50_us"] == 5_000)
        #expect(result.measurements["recovery_max_us"] == 10_000)
    }

    @Test func restartedWorkerThatNeverAcknowledgesFailsRecoveryTime() {
        let restart = event("spawn", "w-0", incarnation: 1, t: 120)
        let events = [
            event("spawn", "w-0"), event("fault", "w-0", t: 100, ["kind": "kill"]), restart,
            op("checkpoint.commit", "t", "ok", worker: "w-1", incarnation: 1, t: 130),
            op("checkpoint.commit", "t", "ok", worker: "w-0", incarnation: 0, t: 99),
        ]
        let result = check(checker, events)
        #expect(result.verdict == .fail)
        #expect(result.names("never-recovered", key: "w-0"))
        #expect(result.shows("never-recovered", restart))
    }

    @Test func restartedWorkerWithNothingLeftRecoversAtDone() {
        let events = [
            event("spawn", "w-0"), event("fault", "w-0", t: 100, ["kind": "kill"]),
            event("spawn", "w-0", incarnation: 1, t: 101), event("done", "w-0", incarnation: 1, t: 103),
        ]
        let result = check(checker, events)
        #expect(result.verdict == .pass)
        #expect(result.measurements["recovery_max_us"] == 3_000)
    }

    @Test func killWithoutRestartIsNotMeasured() {
        let events = [event("spawn", "w-0"), event("fault", "w-0", t: 100, ["kind": "kill"])]
        let result = check(checker, events)
        #expect(result.verdict == .unknown, "a kill with no restart measured no recovery")
        #expect(result.measurements["unrestarted"] == 1)
        #expect(result.measurements["recoveries"] == 0)
    }

    @Test func aRecoveryLimitWithNoRecoveryToMeasureIsUnknown() {
        let context = CheckContext(thresholds: [Threshold(subject: .recovery, percentile: .p50, maxMicros: 50_000)])
        let noKill = check(checker, [event("spawn", "w-0")], context: context)
        #expect(noKill.verdict == .unknown)
        #expect(noKill.detail.contains("nothing was measured for recovery"))
        let unrestarted = check(checker, [event("spawn", "w-0"), event("fault", "w-0", t: 100, ["kind": "kill"])], context: context)
        #expect(unrestarted.verdict == .unknown)
        #expect(unrestarted.measurements["unrestarted"] == 1)
    }

    @Test func recoveryAboveThresholdFailsRecoveryTime() {
        let events = killAndRestart("w-0", killAt: 100, backAt: 102) + killAndRestart("w-1", killAt: 200, backAt: 250)
        let context = CheckContext(
            thresholds: [
                Threshold(subject: .recovery, percentile: .max, maxMicros: 20_000),
                Threshold(subject: .recovery, percentile: .p50, maxMicros: 20_000),
                Threshold(subject: .op("checkpoint.commit"), percentile: .max, maxMicros: 1),
            ])
        let result = check(checker, events, context: context)
        #expect(result.verdict == .fail)
        #expect(result.names("threshold-exceeded", key: "recovery"))
        #expect(result.counterexample.count == 1)
        #expect(result.counterexample.first?["percentile"]?.stringValue == "max")
        #expect(result.measurements["recovery_max_us"] == 50_000)
        #expect(result.measurements["recovery_p50_us"] == 2_000)
    }
}
