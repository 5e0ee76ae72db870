import OrdealReports
import OrdealCheckers
import OrdealSystem
import OrdealModel
import OrdealRunner
import Foundation
import OrdealSupport
import Testing

/// `ordeal run` end to end: real workers, real faults, the report and the run folder.
@Suite struct RunnerTests {
    /// Writes `yaml` to a scenario file in a new folder; returns (file, run folder).
    func scenario(_ yaml: String, name: String = "s") throws -> (String, String) {
        let dir = try Binaries.temporaryDirectory()
        let file = dir + "/\(name).yaml"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        return (file, dir + "/run")
    }

    func report(_ runDirectory: String) throws -> JSONValue {
        try JSONParser.parse(String(contentsOfFile: runDirectory + "/report.json", encoding: .utf8))
    }

    static var fixtures: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").path
    }

    @Test func aWorkerWrittenInPythonIsKilledRestartedAndJudgedByTheSameCheckers() throws {
        let (file, out) = try scenario(
            """
            name: foreign
            workers:
              - name: writer
                role: checkpoint-writer
                command: [python3, \(Self.fixtures)/foreign_worker.py]
                params: {task: py, count: 600}
            faults:
              - kind: kill
                target: writer
                after_ops: 20
                op: checkpoint.commit
            checks: [acked-durable, integrity, sequence-contiguous, recovery-time]
            """)
        let result = try Binaries.run(Binaries.ordeal, ["run", file, "--out", out])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let scenario = try #require(try report(out)["scenarios"]?.arrayValue?.first)
        #expect(scenario["verdict"]?.stringValue == "pass")
        #expect((scenario["counts"]?["acknowledged"]?.intValue ?? 0) >= 60)
        #expect(scenario["faults"]?.arrayValue?.first?["at_ms"]?.doubleValue != nil, "the kill was not injected")
        #expect(scenario["recovery"]?["count"]?.intValue == 1)
        let effect = scenario["faults"]?.arrayValue?.first?["effect"]
        // The kill is sent at the 20th acknowledgement and lands a little later.
        #expect((effect?["acknowledged_before"]?.doubleValue ?? 0) >= 20)
        #expect((effect?["recovery_ms"]?.doubleValue ?? -1) > 0)
        let checks = (scenario["checks"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        #expect(checks.contains("acked-durable") && checks.contains("sequence-contiguous"))
    }

    @Test func theRunFolderHoldsTheReportsTheHistoryAndTheFinalState() throws {
        let (file, out) = try scenario(
            """
            name: small
            workers:
              - role: checkpoint-writer
                params: {task: t, count: 5}
            """)
        let result = try Binaries.run(Binaries.ordeal, ["run", file, "--out", out, "--seed", "7"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let json = try report(out)
        #expect(json["schemaVersion"]?.intValue == 1)
        #expect(json["seed"]?.intValue == 7)
        #expect(json["replay"]?.stringValue?.contains("--seed 7") == true)
        let scenario = try #require(json["scenarios"]?.arrayValue?.first)
        for key in ["name", "verdict", "checks", "faults", "latency", "recovery", "counts"] {
            #expect(scenario[key] != nil, "report.json lacks scenarios[].\(key)")
        }
        let latency = try #require(scenario["latency"]?["checkpoint.commit"])
        for key in ["count", "p50_us", "p95_us", "p99_us", "p999_us", "max_us"] { #expect(latency[key] != nil) }
        #expect(latency["count"]?.intValue == 5)
        #expect(scenario["latency"]?["worker.ready"]?["count"]?.intValue == 1)
        let history = try History.parse(jsonl: String(contentsOfFile: out + "/scenarios/small/history.jsonl", encoding: .utf8))
        #expect(history.of(type: "spawn").count == 1)
        #expect(history.of(type: "ready").count == 1)
        #expect(history.ops("checkpoint.commit", outcome: "ok").count == 5)
        #expect(history.of(type: "exit").first?.fields["code"]?.intValue == 0)
        #expect(FileManager.default.fileExists(atPath: out + "/scenarios/small/final-state.json"))
        let markdown = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        #expect(markdown.hasPrefix("# Ordeal run"))
        #expect(markdown.contains("PASS"))
    }

    @Test func aPauseFaultStopsTheWorkerForItsDurationAndIsHealed() throws {
        let (file, out) = try scenario(
            """
            name: paused
            workers:
              - role: checkpoint-writer
                params: {task: t, count: 400}
            faults:
              - kind: pause
                target: checkpoint-writer-0
                after_ops: 10
                duration: 300ms
            checks: [acked-durable, sequence-contiguous]
            """)
        let result = try Binaries.run(Binaries.ordeal, ["run", file, "--out", out])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let history = try History.parse(jsonl: String(contentsOfFile: out + "/scenarios/paused/history.jsonl", encoding: .utf8))
        let fault = try #require(history.of(type: "fault").first)
        let heal = try #require(history.of(type: "heal").first)
        #expect(heal.tMillis - fault.tMillis >= 299)
        // Lines are stamped when the runner reads them: one written just before SIGSTOP may be
        // read a little after it, so the window starts 50 ms in.
        let during = history.ops(outcome: "ok").filter { ($0.fields["wt_ms"]?.doubleValue ?? 0) > fault.tMillis && ($0.fields["wt_ms"]?.doubleValue ?? 0) < heal.tMillis }
        #expect(during.isEmpty, "a paused worker acknowledged operations: \(during.count)")
        #expect(history.ops("checkpoint.commit", outcome: "ok").count == 400)
        let effect = try #require(try report(out)["scenarios"]?.arrayValue?.first?["faults"]?.arrayValue?.first?["effect"])
        #expect((effect["stopped_ms"]?.doubleValue ?? 0) >= 299)
        #expect(effect["target_acknowledged_meanwhile"]?.doubleValue == 0)
    }

    @Test func theSameSeedDrawsTheSameRandomFaultTime() throws {
        let yaml = """
            name: seeded
            workers:
              - role: checkpoint-writer
                count: 3
                params: {task: "t{index}", count: 400}
            faults:
              - kind: pause
                target: checkpoint-writer
                random: [5ms, 60ms]
                duration: 10ms
            checks: [acked-durable]
            """
        var draws: [String] = []
        for _ in 0..<2 {
            let (file, out) = try scenario(yaml, name: "seeded")
            _ = try Binaries.run(Binaries.ordeal, ["run", file, "--out", out, "--seed", "1234"])
            let history = try History.parse(jsonl: String(contentsOfFile: out + "/scenarios/seeded/history.jsonl", encoding: .utf8))
            let fault = try #require(history.of(type: "fault").first)
            draws.append(fault.worker ?? "?")
        }
        #expect(draws[0] == draws[1], "the same seed chose different targets: \(draws)")
    }

    @Test func killingTheRunnerWithSIGKILLLeavesNoWorkerBehind() throws {
        let (file, out) = try scenario(
            """
            name: long
            timeout: 60s
            workers:
              - role: task-runner
                count: 3
                params: {task: "t{index}", steps: 200, step-ms: 50}
            """)
        let runner = try ChildProcess([Binaries.ordeal, "run", file, "--out", out])
        let historyPath = out + "/scenarios/long/history.jsonl"
        var pids: [Int32] = []
        let deadline = Date().addingTimeInterval(10)
        while pids.count < 3 && Date() < deadline {
            usleep(50_000)
            let text = (try? String(contentsOfFile: historyPath, encoding: .utf8)) ?? ""
            pids = text.split(separator: "\n").compactMap { line in
                guard let event = try? JSONParser.parse(String(line)), event["type"]?.stringValue == "ready" else { return nil }
                return event["pid"]?.intValue.map { Int32($0) }
            }
        }
        try runner.kill(9)
        #expect(try runner.wait() == .signaled(9))
        #expect(pids.count == 3, "the workers never became ready (history: \(historyPath))")
        let gone = Date().addingTimeInterval(5)
        var alive = pids
        while !alive.isEmpty && Date() < gone {
            usleep(20_000)
            alive = alive.filter { kill($0, 0) == 0 && !isZombie($0) }
        }
        #expect(alive.isEmpty, "workers outlived the runner: \(alive)")
    }

    @Test func killingTheRunnerWithSIGKILLAlsoEndsAWorkerOfTheUsersOwn() throws {
        let (file, out) = try scenario(
            """
            name: foreign-long
            timeout: 60s
            workers:
              - role: checkpoint-writer
                command: [python3, \(Self.fixtures)/foreign_worker.py]
                params: {task: t, count: 100000}
            """)
        let runner = try ChildProcess([Binaries.ordeal, "run", file, "--out", out])
        let historyPath = out + "/scenarios/foreign-long/history.jsonl"
        var pid: Int32?
        let deadline = Date().addingTimeInterval(10)
        while pid == nil && Date() < deadline {
            usleep(50_000)
            let text = (try? String(contentsOfFile: historyPath, encoding: .utf8)) ?? ""
            pid = text.split(separator: "\n").lazy.compactMap { line -> Int32? in
                guard let event = try? JSONParser.parse(String(line)), event["type"]?.stringValue == "ready" else { return nil }
                return event["pid"]?.intValue.map { Int32($0) }
            }.first
        }
        try runner.kill(9)
        _ = try runner.wait()
        let worker = try #require(pid, "the Python worker never became ready")
        let gone = Date().addingTimeInterval(5)
        while kill(worker, 0) == 0 && !isZombie(worker) && Date() < gone { usleep(20_000) }
        #expect(kill(worker, 0) != 0 || isZombie(worker), "the Python worker \(worker) outlived the runner")
    }

    func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        return stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? true
    }

    @Test func aMissingScenarioPathIsBadInputAndNamesThePath() throws {
        let result = try Binaries.run(Binaries.ordeal, ["run", "/nonexistent/scenarios"])
        #expect(result.status == ExitStatus.badInput.rawValue)
        #expect(result.stderr.contains("/nonexistent/scenarios"))
    }
}

extension RunnerTests {
    @Test func aRunKilledMidwayLeavesAReportThatDoesNotReadAsPassed() throws {
        let dir = try Binaries.temporaryDirectory()
        try Binaries.writeWriterScenarios(dir, [("a-quick", 5), ("b-long", 100_000)])
        let out = dir + "/run"
        let runner = try ChildProcess([Binaries.ordeal, "run", dir, "--out", out])
        // Wait until the first scenario's report is written and the second is running.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: out + "/report.json", encoding: .utf8),
                let json = try? JSONParser.parse(text), json["scenarios"]?.arrayValue?.count == 1
            {
                break
            }
            usleep(20_000)
        }
        try runner.kill(9)
        _ = try runner.wait()
        let json = try report(out)
        #expect(json["scenarios"]?.arrayValue?.first?["verdict"]?.stringValue == "pass")
        #expect(json["complete"]?.boolValue == false)
        #expect(json["verdict"]?.stringValue == "unknown", "a stopped run must not read as passed")
        let verify = try Binaries.run(Binaries.ordeal, ["verify", out, "--integrity-only"])
        #expect(verify.status == 1, "a stopped run has no manifest and must not verify")
    }

    @Test func verifyOfAMissingFolderOrAnUnreadableKeyIsBadInput() throws {
        #expect(try Binaries.run(Binaries.ordeal, ["verify", "/nonexistent/run"]).status == ExitStatus.badInput.rawValue)
        let dir = try Binaries.temporaryDirectory()
        try "{}".write(toFile: dir + "/report.json", atomically: true, encoding: .utf8)
        let result = try Binaries.run(Binaries.ordeal, ["verify", dir, "--pubkey", dir + "/missing.pub"])
        #expect(result.status == ExitStatus.badInput.rawValue)
        #expect(result.stderr.contains("missing.pub"))
    }
}
