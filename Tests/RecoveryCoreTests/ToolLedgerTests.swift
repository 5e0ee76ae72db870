import Foundation
import OrdealSupport
import Testing

@testable import RecoveryCore

@Suite struct ToolLedgerTests {
    let env: TestEnv
    init() throws { env = try TestEnv() }

    func ledger() -> ToolLedger { ToolLedger(store: env.backend, clock: env.clock) }

    let call = ToolRequest(tool: "shell", command: "rm -rf /tmp/build", taskID: "t", parameters: ["cwd": "/src"])

    @Test func executeThenReplayRunsTheToolOnce() throws {
        let ledger = ledger()
        let runs = Locked(0)
        let first = try ledger.executeOrReplay(call) { runs.update { $0 += 1 }; return "removed" }
        let second = try ledger.executeOrReplay(call) { runs.update { $0 += 1 }; return "removed again" }
        #expect(first == ToolResult(key: try call.key(), output: "removed", replayed: false, reran: false))
        #expect(second == ToolResult(key: try call.key(), output: "removed", replayed: true, reran: false))
        #expect(runs.value == 1)
        #expect(ledger.stats == LedgerStats(executions: 1, replays: 1, reruns: 0, indeterminate: 0))
        #expect(ledger.stats.replayRate == 0.5)
    }

    @Test func distinctCallsHaveDistinctKeys() throws {
        var other = call
        other.command = "rm -rf /tmp/build2"
        var otherTool = call
        otherTool.tool = "ssh"
        var otherParameters = call
        otherParameters.parameters = ["cwd": "/"]
        var otherTask = call
        otherTask.taskID = nil
        let keys = try [call, other, otherTool, otherParameters, otherTask].map { try $0.key() }
        #expect(Set(keys).count == 5)
        let llm = LLMRequest(operation: "shell", prompt: "rm -rf /tmp/build", model: "", taskID: "t", parameters: ["cwd": "/src"])
        #expect(try llm.key() != call.key())
    }

    /// `canonicalJSON()` promises the bytes `CanonicalJSON` gives for the same fields.
    @Test func theCallEncodingIsCanonicalJSON() throws {
        let bytes = try call.canonicalJSON()
        let parsed = try JSONParser.parse(bytes)
        #expect(parsed == ["kind": "tool", "tool": "shell", "command": "rm -rf /tmp/build", "task": "t", "parameters": ["cwd": "/src"]])
        #expect(try CanonicalJSON.encode(parsed) == bytes)
    }

    /// Whatever the fields hold, the encoding is the bytes `CanonicalJSON` gives for them.
    @Test(arguments: [
        ToolRequest(tool: "shell", command: "ls"),
        ToolRequest(tool: "", command: "", taskID: nil, parameters: [:]),
        ToolRequest(tool: "zz", command: "a\"b\\c\n/é", taskID: "t/1", parameters: [
            "z": 1, "a": [true, nil, 2.5], "M": ["y": "x", "b": ["k": [:]]], "é": "", "task": "shadow", "kind": "x",
        ]),
    ])
    func everyCallEncodingIsCanonicalJSON(call: ToolRequest) throws {
        let expected: JSONValue = [
            "kind": "tool", "tool": .string(call.tool), "command": .string(call.command),
            "task": call.taskID.map(JSONValue.string) ?? .null, "parameters": .object(call.parameters),
        ]
        #expect(try call.canonicalJSON() == CanonicalJSON.encode(expected))
    }

    @Test func theIntentIsStoredBeforeTheToolRuns() throws {
        let ledger = ledger()
        let key = try call.key()
        let seen = Locked<IdempotencyEntry?>(nil)
        _ = try ledger.executeOrReplay(call) {
            seen.update { $0 = try? env.backend.entry(key: key) }
            return "ok"
        }
        let intent = try #require(seen.value)
        #expect(intent.status == .claimed)
        #expect(intent.result == nil)
        #expect(intent.owner == ClaimOwner.current.description)
        #expect(try env.backend.entry(key: key)?.status == .done)
    }

    @Test func anIndeterminateCallUnderPolicyFailThrows() throws {
        try env.insertAbandonedClaim(key: try call.key(), kind: .tool, owner: try deadOwner(), taskID: "t")
        let ledger = ledger()
        let runs = Locked(0)
        let error = #expect(throws: RecoveryError.self) {
            try ledger.executeOrReplay(call, policy: .fail) { runs.update { $0 += 1 }; return "x" }
        }
        #expect(error?.code == .indeterminateToolCall)
        #expect(error?.message.contains("died") == true)
        #expect(error?.message.contains("run-again") == true)
        #expect(runs.value == 0)
        #expect(ledger.stats.indeterminate == 1)
        #expect(try env.backend.entry(key: try call.key())?.status == .claimed)
    }

    @Test func anIndeterminateCallUnderPolicyRunAgainRunsItAgain() throws {
        try env.insertAbandonedClaim(key: try call.key(), kind: .tool, owner: try deadOwner(), taskID: "t")
        let ledger = ledger()
        let result = try ledger.executeOrReplay(call, policy: .runAgain) { "second effect" }
        #expect(result.reran)
        #expect(!result.replayed)
        #expect(result.output == "second effect")
        #expect(ledger.stats == LedgerStats(executions: 1, replays: 0, reruns: 1, indeterminate: 0))
        let replay = try ledger.executeOrReplay(call, policy: .fail) { "third" }
        #expect(replay.replayed)
        #expect(replay.output == "second effect")
    }

    @Test func aToolThatThrowsLeavesAFailedEntryTreatedAsIndeterminate() throws {
        struct Crash: Error, CustomStringConvertible { var description: String { "disk on fire" } }
        let ledger = ledger()
        #expect(throws: Crash.self) { try ledger.executeOrReplay(call) { throw Crash() } }
        let entry = try #require(try env.backend.entry(key: try call.key()))
        #expect(entry.status == .failed)
        #expect(entry.error == "disk on fire")

        let error = #expect(throws: RecoveryError.self) { try ledger.executeOrReplay(call, policy: .fail) { "no" } }
        #expect(error?.code == .indeterminateToolCall)
        #expect(error?.message.contains("the tool threw: disk on fire") == true)

        let rerun = try ledger.executeOrReplay(call, policy: .runAgain) { "fixed" }
        #expect(rerun.reran)
        #expect(rerun.output == "fixed")
    }

    @Test func aLiveClaimIsNotTreatedAsIndeterminate() throws {
        let live = "\(ClaimOwner.current.host)/\(getpid())/5"
        try env.insertAbandonedClaim(key: try call.key(), kind: .tool, owner: live)
        let ledger = ToolLedger(store: env.backend, clock: env.clock, maxWaitMillis: 50)
        let error = #expect(throws: RecoveryError.self) { try ledger.executeOrReplay(call, policy: .runAgain) { "no" } }
        #expect(error?.code == .claimTimeout)
    }

    @Test func anExpiredClaimOfAnotherHostIsIndeterminate() throws {
        try env.insertAbandonedClaim(key: try call.key(), kind: .tool, owner: "elsewhere.example/1/1")
        env.clock.advance(byMillis: 3_600_001)
        let error = #expect(throws: RecoveryError.self) { try ledger().executeOrReplay(call, policy: .fail) { "no" } }
        #expect(error?.code == .indeterminateToolCall)
    }

    @Test func historyListsTheTasksCallsNewestFirst() throws {
        let ledger = ledger()
        for command in ["one", "two", "three"] {
            _ = try ledger.executeOrReplay(ToolRequest(tool: "shell", command: command, taskID: "t")) { command.uppercased() }
            env.clock.advance(byMillis: 10)
        }
        _ = try ledger.executeOrReplay(ToolRequest(tool: "shell", command: "elsewhere", taskID: "u")) { "E" }
        _ = try LLMCache(store: env.backend, clock: env.clock).getOrGenerate(LLMRequest(operation: "o", prompt: "p", model: "m", taskID: "t")) { "llm" }
        let history = try ledger.history(taskID: "t")
        #expect(history.map(\.result) == ["THREE", "TWO", "ONE"])
        #expect(history.allSatisfy { $0.kind == .tool && $0.status == .done })
        #expect(try ledger.history(taskID: "t", limit: 2).count == 2)
        #expect(try ledger.history(taskID: nil).count == 4)
        #expect(try ledger.history(taskID: "nobody").isEmpty)
    }

    @Test func statsCountEveryOutcomeAndReset() throws {
        let ledger = ledger()
        _ = try ledger.executeOrReplay(call) { "a" }
        _ = try ledger.executeOrReplay(call) { "a" }
        _ = try ledger.executeOrReplay(call) { "a" }
        var other = call
        other.command = "ls"
        try env.insertAbandonedClaim(key: try other.key(), kind: .tool, owner: try deadOwner())
        _ = try? ledger.executeOrReplay(other, policy: .fail) { "b" }
        _ = try ledger.executeOrReplay(other, policy: .runAgain) { "b" }
        #expect(ledger.stats == LedgerStats(executions: 2, replays: 2, reruns: 1, indeterminate: 1))
        ledger.resetStats()
        #expect(ledger.stats == LedgerStats())
        #expect(ledger.stats.replayRate == 0)
    }

    @Test func purgeRemovesExpiredResults() throws {
        let ledger = ToolLedger(store: env.backend, clock: env.clock, ttlMillis: 100)
        _ = try ledger.executeOrReplay(call) { "a" }
        env.clock.advance(byMillis: 100)
        #expect(try ledger.purgeExpired() == 1)
        #expect(try ledger.history(taskID: "t").isEmpty)
    }
}
