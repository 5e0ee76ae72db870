import OrdealSupport
import Testing

@testable import OrdealCheckers
import OrdealModel

// Small builders for synthetic histories and final states, shared by the checker tests.

/// An `op` event as a worker reports it and the runner records it.
func op(
    _ name: String, _ key: String, _ outcome: String = "ok", _ value: JSONValue = [:], worker: String = "w-0",
    incarnation: Int = 0, t: Double = 0, error: String? = nil
) -> HistoryEvent {
    var fields: [String: JSONValue] = [
        "type": "op", "op": .string(name), "key": .string(key), "outcome": .string(outcome), "value": value,
        "worker": .string(worker), "incarnation": .int(Int64(incarnation)), "t_ms": .double(t), "latency_us": 10,
    ]
    if let error { fields["error"] = .string(error) }
    return HistoryEvent(fields)
}

/// A runner event (`spawn`, `exit`, `fault`, `heal`, `done`, ...) about `worker`.
func event(
    _ type: String, _ worker: String, incarnation: Int = 0, t: Double = 0, _ extra: [String: JSONValue] = [:]
) -> HistoryEvent {
    var fields = extra
    fields["type"] = .string(type)
    fields["worker"] = .string(worker)
    fields["incarnation"] = .int(Int64(incarnation))
    fields["t_ms"] = .double(t)
    return HistoryEvent(fields)
}

func checkpoint(_ task: String, _ seq: Int64, sha: String = "h", ok: Bool = true) -> FinalState.CheckpointRecord {
    FinalState.CheckpointRecord(task: task, seq: seq, sha256: sha, snapshotOK: ok, verified: true, type: "iteration_end")
}

func item(_ id: String, _ status: String = "completed", token: Int64 = 1, released: Int64? = 1, output: String? = "out")
    -> FinalState.WorkItemRecord
{
    FinalState.WorkItemRecord(id: id, status: status, token: token, releasedToken: released, output: output, attempts: 1)
}

func entry(_ key: String, kind: String = "tool", status: String = "done", result: String?) -> FinalState.IdempotencyRecord {
    FinalState.IdempotencyRecord(key: key, kind: kind, status: status, result: result)
}

func check(
    _ checker: any Checker, _ events: [HistoryEvent], _ final: FinalState = FinalState(),
    context: CheckContext = CheckContext()
) -> CheckResult {
    checker.check(history: History(events), final: final, context: context)
}

extension CheckResult {
    /// The rules the counterexample names.
    var rules: [String] { counterexample.compactMap { $0["rule"]?.stringValue } }

    /// Whether the counterexample has an entry for `rule` on `key`.
    func names(_ rule: String, key: String) -> Bool {
        counterexample.contains { $0["rule"]?.stringValue == rule && $0["key"]?.stringValue == key }
    }

    /// Whether some counterexample entry for `rule` includes `event`.
    func shows(_ rule: String, _ event: HistoryEvent) -> Bool {
        counterexample.contains { entry in
            entry["rule"]?.stringValue == rule && (entry["events"]?.arrayValue ?? []).contains(event.json)
        }
    }
}

@Suite struct CheckerRegistryTests {
    @Test func registryNamesTheNineCheckersInOrder() {
        #expect(
            Checkers.names == [
                "acked-durable", "integrity", "sequence-contiguous", "lease-safety", "effects-at-most-once",
                "resume-correct", "liveness", "recovery-time", "cache-answers",
            ])
        #expect(Checkers.all.count == 9)
    }

    @Test func namedFindsEachCheckerAndRejectsUnknownNames() {
        for name in Checkers.names { #expect(Checkers.named(name)?.name == name) }
        #expect(Checkers.named("linearizable") == nil)
    }

    /// A checker that judged nothing proved nothing: an empty run is never a pass.
    @Test func everyCheckerIsUnknownOnAnEmptyRun() {
        for checker in Checkers.all {
            let result = check(checker, [])
            #expect(result.verdict == .unknown, "\(checker.name): \(result.detail)")
            #expect(result.detail.contains("judged nothing"), "\(checker.name): \(result.detail)")
            #expect(result.counterexample.isEmpty)
        }
    }

    @Test func aScenarioWhoseChecksAllJudgedNothingIsUnknown() {
        let nothing = CheckResult(name: "acked-durable", verdict: .unknown, detail: "judged nothing")
        #expect(ScenarioJudgement.verdict(checks: [nothing], problems: [], hasFinalState: true) == .unknown)
        #expect(ScenarioJudgement.verdict(checks: [], problems: [], hasFinalState: true) == .unknown)
        let pass = CheckResult(name: "integrity", verdict: .pass, detail: "ok")
        #expect(ScenarioJudgement.verdict(checks: [pass], problems: [], hasFinalState: true) == .pass)
    }

    @Test func expectedWorkFailsWhenLessWasAcknowledgedThanDemanded() {
        let demanded = [WorkExpectation(op: "checkpoint.commit", acknowledged: 3)]
        let two = History((1...2).map { i in
            HistoryEvent(["type": "op", "op": "checkpoint.commit", "key": "t", "outcome": "ok", "t_ms": .double(Double(i)), "value": ["seq": .int(Int64(i))]])
        })
        let short = ExpectedWorkChecker.check(demanded, two)
        #expect(short.verdict == .fail)
        #expect(short.detail.contains("2 of 3 checkpoint.commit"), "\(short.detail)")
        #expect(ExpectedWorkChecker.check([WorkExpectation(op: "checkpoint.commit", acknowledged: 2)], two).verdict == .pass)
        let totals = [WorkExpectation(op: "checkpoint.commit", totals: ["seq": 4])]
        #expect(ExpectedWorkChecker.check(totals, two).verdict == .fail)
        #expect(ExpectedWorkChecker.check([WorkExpectation(op: "checkpoint.commit", totals: ["seq": 3])], two).verdict == .pass)
        let other = ExpectedWorkChecker.check([WorkExpectation(op: "checkpoint.commit", group: "writer", acknowledged: 1)], two)
        #expect(other.verdict == .fail, "ops of no group do not count for group writer")
    }

    @Test func expectedWorkIsUnknownWhenATotalsFieldIsMissing() {
        let events = [op("sweep.run", "sweep", "ok", ["failed": 0])]
        let result = ExpectedWorkChecker.check([WorkExpectation(op: "sweep.run", totals: ["recovered": 1])], History(events))
        #expect(result.verdict == .unknown, "\(result.detail)")
        #expect(ExpectedWorkChecker.check([], History(events)).verdict == .unknown, "no expectation: nothing judged")
    }

    @Test func advisoryPerformanceChecksDoNotDecideTheVerdict() {
        let pass = CheckResult(name: "integrity", verdict: .pass, detail: "ok")
        var slow = CheckResult(name: "threshold x p50 <= 1 µs", verdict: .fail, detail: "slow")
        slow.isPerformance = true
        #expect(ScenarioJudgement.verdict(checks: [pass, slow], problems: [], hasFinalState: true) == .fail)
        #expect(ScenarioJudgement.verdict(checks: [pass, slow], problems: [], hasFinalState: true, performanceAdvisory: true) == .pass)
    }

    @Test func nearestRankPercentilesAreExact() {
        let values = (1...10).map(Double.init)
        #expect(Percentile.p50.nearestRank(values) == 5)
        #expect(Percentile.p95.nearestRank(values) == 10)
        #expect(Percentile.max.nearestRank(values) == 10)
        let thousand = (1...1000).map(Double.init)
        #expect(Percentile.p999.nearestRank(thousand) == 999)
        #expect(Percentile.p99.nearestRank(thousand) == 990)
        #expect(Percentile.p50.nearestRank([7]) == 7)
    }

    @Test func counterexamplesAreCappedButAllViolationsCounted() {
        let events = (1...30).map { op("checkpoint.commit", "t\($0)", "ok", ["seq": 1, "sha256": "h"]) }
        let result = check(AckedDurableChecker(), events)
        #expect(result.verdict == .fail)
        #expect(result.counterexample.count == 20)
        #expect(result.measurements["lost_writes"] == 30)
    }
}
