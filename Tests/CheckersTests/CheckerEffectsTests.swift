import OrdealSupport
import Testing

@testable import OrdealCheckers
import OrdealModel

@Suite struct CheckerEffectsAtMostOnceTests {
    let checker = EffectsAtMostOnceChecker()

    func tool(_ i: Int, _ name: String = "tool.execute", reran: Bool = false, incarnation: Int = 0) -> HistoryEvent {
        let output = "{\"exit\":0,\"line\":\"t:\(i)\"}"
        return op(name, "k\(i)", "ok", ["output": .string(output), "reran": .bool(reran)], incarnation: incarnation)
    }

    func step(_ i: Int64, incarnation: Int = 0) -> HistoryEvent {
        op("task.step", "job", "ok", ["step": .int(i), "seq": .int(i + 1)], worker: "runner-0", incarnation: incarnation)
    }

    func finish(incarnation: Int, first: Int64) -> HistoryEvent {
        op(
            "task.finish", "job", "ok", ["state": "succeeded", "first_step": .int(first)], worker: "runner-0",
            incarnation: incarnation)
    }

    @Test func eachEffectOncePassesEffectsAtMostOnce() {
        let result = check(checker, [tool(0), tool(1), tool(1, "tool.replay")], FinalState(effects: ["t:0": 1, "t:1": 1]))
        #expect(result.verdict == .pass)
        #expect(result.measurements["reruns"] == 0)
        #expect(result.measurements["effect_lines"] == 2)
    }

    @Test func effectRepeatedWithoutIndeterminateCallFailsEffectsAtMostOnce() {
        let executed = tool(1)
        let result = check(checker, [tool(0), executed, tool(1, "tool.replay")], FinalState(effects: ["t:0": 1, "t:1": 2]))
        #expect(result.verdict == .fail)
        #expect(result.names("effect-repeated", key: "t:1"))
        #expect(result.shows("effect-repeated", executed))
        #expect(result.counterexample.first?["count"]?.intValue == 2)
    }

    @Test func effectRepeatedAfterRerunOfAbandonedCallIsCountedAsRerun() {
        let events = [tool(0), tool(1, reran: true, incarnation: 1)]
        let result = check(checker, events, FinalState(effects: ["t:0": 1, "t:1": 2]))
        #expect(result.verdict == .pass)
        #expect(result.measurements["reruns"] == 1)
    }

    @Test func effectRepeatedAfterIndeterminateCallIsCountedAsRerun() {
        let events = [op("tool.execute", "k1", "info", error: "indeterminate"), tool(1, "tool.replay")]
        let result = check(checker, events, FinalState(effects: ["t:1": 2]))
        #expect(result.verdict == .pass)
        #expect(result.measurements["reruns"] == 1)
    }

    @Test func effectThreeTimesWithOneRerunFailsEffectsAtMostOnce() {
        let result = check(checker, [tool(1, reran: true)], FinalState(effects: ["t:1": 3]))
        #expect(result.verdict == .fail)
        #expect(result.names("effect-repeated", key: "t:1"))
        #expect(result.counterexample.first?["excused"]?.intValue == 1)
    }

    @Test func indeterminateCallWithUnknownLineExcusesNothing() {
        let result = check(checker, [op("tool.execute", "k9", "info")], FinalState(effects: ["t:9": 2]))
        #expect(result.verdict == .fail)
        #expect(result.measurements["unmapped_indeterminate"] == 1)
    }

    @Test func taskStepRunAgainAfterKillIsCountedAsRerun() {
        let events = [
            event("spawn", "runner-0"), step(0), event("exit", "runner-0", t: 5, ["status": "signaled", "signal": 9]),
            event("spawn", "runner-0", incarnation: 1), step(1, incarnation: 1), finish(incarnation: 1, first: 1),
            event("exit", "runner-0", incarnation: 1, ["status": "exited", "code": 0]),
        ]
        let result = check(checker, events, FinalState(effects: ["job:0": 1, "job:1": 2]))
        #expect(result.verdict == .pass)
        #expect(result.measurements["reruns"] == 1)
    }

    @Test func taskStepEffectRepeatedWithoutKillFailsEffectsAtMostOnce() {
        let events = [
            event("spawn", "runner-0"), step(0), step(1), finish(incarnation: 0, first: 0),
            event("exit", "runner-0", ["status": "exited", "code": 0]),
        ]
        let result = check(checker, events, FinalState(effects: ["job:0": 2, "job:1": 1]))
        #expect(result.verdict == .fail)
        #expect(result.names("effect-repeated", key: "job:0"))
        #expect(result.shows("effect-repeated", step(0)))
    }

    @Test func killExcusesOnlyTheStepInFlight() {
        let events = [
            event("spawn", "runner-0"), step(0), event("exit", "runner-0", ["status": "signaled"]),
            event("spawn", "runner-0", incarnation: 1), step(1, incarnation: 1), finish(incarnation: 1, first: 1),
        ]
        let result = check(checker, events, FinalState(effects: ["job:0": 2, "job:1": 1]))
        #expect(result.names("effect-repeated", key: "job:0"))
    }
}

