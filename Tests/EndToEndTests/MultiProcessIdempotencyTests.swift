import OrdealReports
import OrdealCheckers
import OrdealSystem
import OrdealModel
import OrdealRunner
import Foundation
import OrdealSupport
import RecoveryCore
import Testing

/// Several real processes share one LLM cache and one tool ledger in one database file.
@Suite struct MultiProcessIdempotencyTests {
    /// Runs `count` workers of `role` at once and returns their op events.
    func runTogether(_ role: String, workers: Int, db: String, effects: String, count: Int, stepMillis: Int) throws -> [JSONValue] {
        let children = try (0..<workers).map { _ in
            try ChildProcess([
                Binaries.worker, role, "--db", db, "--task", "shared", "--count", "\(count)", "--step-ms", "\(stepMillis)",
                "--effects", effects,
            ])
        }
        var ops: [JSONValue] = []
        for child in children {
            while let line = try child.readLine() {
                let event = try JSONParser.parse(line)
                if event["event"]?.stringValue == "op" { ops.append(event) }
            }
            #expect(try child.wait() == .exited(0))
        }
        return ops
    }

    func effectLines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func twoProcessesAskingForTheSameKeysRunEachGeneratorOnceAndGetTheSameAnswer() throws {
        let dir = try Binaries.temporaryDirectory()
        let effects = dir + "/generated.txt"
        let count = 30
        let ops = try runTogether("cache-client", workers: 2, db: dir + "/cache.sqlite", effects: effects, count: count, stepMillis: 5)
        let lines = effectLines(effects)
        #expect(lines.count == count, "a generator ran more than once per key: \(lines.count) runs for \(count) keys")
        #expect(Set(lines).count == count)
        #expect(ops.count == 2 * count)
        var answers: [String: Set<String>] = [:]
        for op in ops {
            #expect(op["outcome"]?.stringValue == "ok")
            answers[op["key"]?.stringValue ?? "", default: []].insert(op["value"]?["value"]?.stringValue ?? "")
        }
        #expect(answers.count == count)
        #expect(answers.values.allSatisfy { $0.count == 1 }, "two processes got different answers for one key")
        #expect(ops.filter { $0["op"]?.stringValue == "cache.generate" }.count == count)
    }

    @Test func twoProcessesCallingTheSameToolsProduceEachEffectOnce() throws {
        let dir = try Binaries.temporaryDirectory()
        let effects = dir + "/effects.txt"
        let count = 30
        let ops = try runTogether("tool-client", workers: 2, db: dir + "/ledger.sqlite", effects: effects, count: count, stepMillis: 5)
        let lines = effectLines(effects)
        #expect(lines.count == count, "a tool ran more than once per key: \(lines.count) effects for \(count) calls")
        #expect(Set(lines).count == count)
        #expect(ops.filter { $0["op"]?.stringValue == "tool.execute" }.count == count)
        #expect(ops.filter { $0["op"]?.stringValue == "tool.replay" }.count == count)
    }

    @Test func aToolClientKilledMidToolLeavesAnIndeterminateCallThatThePolicyHandles() throws {
        let dir = try Binaries.temporaryDirectory()
        let db = dir + "/ledger.sqlite"
        let effects = dir + "/effects.txt"
        // The tool appends its effect, then works for 400 ms before its result is stored.
        let first = try ChildProcess([
            Binaries.worker, "tool-client", "--db", db, "--task", "t", "--count", "3", "--step-ms", "400", "--effects", effects,
        ])
        var acknowledged = 0
        while acknowledged < 1, let line = try first.readLine() {
            if (try JSONParser.parse(line))["event"]?.stringValue == "op" { acknowledged += 1 }
        }
        // Call 1's effect is in the file and its result is not stored: kill it there.
        let deadline = Date().addingTimeInterval(5)
        while effectLines(effects).count < 2 && Date() < deadline { usleep(2_000) }
        try first.kill(9)
        #expect(try first.wait() == .signaled(9))

        let refuse = try Binaries.run(
            Binaries.worker, ["tool-client", "--db", db, "--task", "t", "--count", "3", "--effects", effects, "--policy", "fail"])
        #expect(refuse.status == 0)
        #expect(refuse.stdout.contains("\"outcome\":\"info\""), "the indeterminate call was not reported: \(refuse.stdout)")
        #expect(refuse.stdout.contains("indeterminate"))

        let rerun = try Binaries.run(
            Binaries.worker, ["tool-client", "--db", db, "--task", "t", "--count", "3", "--effects", effects, "--policy", "run-again"])
        #expect(rerun.status == 0)
        #expect(rerun.stdout.contains("\"reran\":true"))
        let counts = Dictionary(effectLines(effects).map { ($0, 1) }, uniquingKeysWith: +)
        #expect(counts["t:0"] == 1, "a completed call ran again")
        #expect(counts["t:1"] == 2, "the indeterminate call should have run once more under run-again")
        #expect(counts["t:2"] == 1)
    }
}
