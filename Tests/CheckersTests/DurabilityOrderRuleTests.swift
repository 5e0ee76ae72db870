import OrdealSupport
import Testing

@testable import OrdealCheckers
import OrdealModel

/// Two stores made durable out of order (issue #11, class 16): a step's checkpoint that
/// survived a crash must not reference a tool result that did not.
@Suite struct DurabilityOrderRuleTests {
    func step(_ seq: Int64, tool: String) -> HistoryEvent {
        op("task.step", "t", "ok", ["step": .int(seq - 1), "seq": .int(seq), "tool_key": .string(tool)], worker: "runner-0", t: Double(seq))
    }

    @Test func aSurvivingCheckpointWhoseToolResultIsGoneFailsAckedDurable() {
        let final = FinalState(checkpoints: [checkpoint("t", 1), checkpoint("t", 2)], idempotency: [entry("k1", result: "{}")])
        let result = check(AckedDurableChecker(), [step(1, tool: "k1"), step(2, tool: "k2")], final)
        #expect(result.verdict == .fail && result.rules == ["checkpoint-outlived-tool-result"])
        #expect(result.names("checkpoint-outlived-tool-result", key: "t"))
        #expect(result.detail.contains("1 of them step checkpoints that survived the tool result they reference"), "\(result.detail)")
    }

    @Test func aToolResultThatSurvivedWithItsCheckpointPasses() {
        let final = FinalState(
            checkpoints: [checkpoint("t", 1), checkpoint("t", 2)], idempotency: [entry("k1", result: "{}"), entry("k2", result: "{}")])
        #expect(check(AckedDurableChecker(), [step(1, tool: "k1"), step(2, tool: "k2")], final).verdict == .pass)
        // A result only claimed (no `done`) is not a result: the checkpoint still points at nothing.
        let claimed = FinalState(
            checkpoints: [checkpoint("t", 1)], idempotency: [entry("k1", status: "in_progress", result: nil)])
        #expect(check(AckedDurableChecker(), [step(1, tool: "k1")], claimed).rules == ["checkpoint-outlived-tool-result"])
    }

    @Test func aLostCheckpointIsALostWriteNotAnOrderingViolation() {
        let final = FinalState(checkpoints: [], idempotency: [])
        #expect(check(AckedDurableChecker(), [step(1, tool: "k1")], final).rules == ["acked-step-checkpoint-missing"])
    }
}
