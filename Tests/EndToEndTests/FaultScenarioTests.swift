import OrdealReports
import OrdealCheckers
import OrdealSystem
import OrdealModel
import Foundation
import OrdealSupport
import Testing

/// The faults below the process, through `ordeal run`: what each scenario of `Scenarios/` shows,
/// a lying durability caught by power loss alone, an inactive shim that changes nothing, and a
/// shim fault that cannot land reported as unknown, never as a pass.
@Suite(.serialized) struct FaultScenarioTests {
    static let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scenarios").path

    struct Run {
        var result: Binaries.Result
        var report: JSONValue
        var directory: String

        var scenarios: [JSONValue] { report["scenarios"]?.arrayValue ?? [] }
        func check(_ name: String, in scenario: Int = 0) -> JSONValue? {
            scenarios[scenario]["checks"]?.arrayValue?.first { $0["name"]?.stringValue == name }
        }
        func history(_ scenario: Int = 0) throws -> [JSONValue] {
            let folder = directory + "/" + (scenarios[scenario]["history"]?.stringValue ?? "")
            return try String(contentsOfFile: folder, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0)) }
        }
        var summary: String { "exit \(result.status)\n\(result.stdout)\n\(result.stderr)" }
    }

    /// `ordeal run ARGS --out DIR` in a new folder.
    static func run(_ arguments: [String]) throws -> Run {
        let out = try Binaries.temporaryDirectory() + "/out"
        let result = try Binaries.run(Binaries.ordeal, ["run"] + arguments + ["--out", out])
        let report = try JSONParser.parse(String(contentsOfFile: out + "/report.json", encoding: .utf8))
        return Run(result: result, report: report, directory: out)
    }

    /// A scenario of `Scenarios/` with its writer replaced by `ordeal-faulty-worker --fault FAULT`
    /// and, when `dropThresholds`, without its latency thresholds.
    static func withFaultyWriter(_ name: String, fault: String, dropThresholds: Bool = false) throws -> String {
        var text = try String(contentsOfFile: "\(scenarios)/\(name).yaml", encoding: .utf8)
        let command = "    command: [\(CheckersCatchFaultyWorkersTests.quoted(Binaries.faultyWorker)), --fault, \(fault)]\n"
        text = text.replacingOccurrences(of: "    role: checkpoint-writer\n", with: "    role: checkpoint-writer\n" + command)
        if dropThresholds, let cut = text.range(of: "\nthresholds:") { text = String(text[..<cut.lowerBound]) + "\n" }
        let file = try Binaries.temporaryDirectory() + "/\(name).yaml"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func diskFullSurfacesSQLiteFullAndAcknowledgesNothingUncommitted() throws {
        let run = try Self.run(["\(Self.scenarios)/disk-full.yaml"])
        #expect(run.result.status == ExitStatus.passed.rawValue, "\(run.summary)")
        let fault = try #require(run.scenarios.first?["faults"]?.arrayValue?.first)
        #expect((fault["shim"]?["hits"]?.intValue ?? 0) > 0, "the disk-full fault hit no write")
        let sites = fault["shim"]?["call_sites"]?.arrayValue ?? []
        #expect(sites.contains { ($0["frames"]?.arrayValue ?? []).contains { $0.stringValue?.contains("SQLiteBackend.insertCheckpoint") == true } })
        let failed = try run.history().filter { $0["type"]?.stringValue == "op" && $0["outcome"]?.stringValue == "fail" }
        #expect(!failed.isEmpty && failed.allSatisfy { $0["value"]?["error_code"]?.stringValue == "SQLITE_FULL" })
        #expect(run.check("acked-durable")?["verdict"]?.stringValue == "pass")
    }

    @Test func powerLossUnderNormalIsAMeasuredLimitation() throws {
        let run = try Self.run(["\(Self.scenarios)/power-loss-normal.yaml"])
        #expect(run.result.status == ExitStatus.passed.rawValue, "\(run.summary)")
        let check = try #require(run.check("acked-durable"))
        #expect(check["verdict"]?.stringValue == "pass" && check["expected_failure"]?.stringValue != nil)
        #expect((check["measurements"]?["lost_writes"]?.doubleValue ?? 0) > 0, "normal lost nothing: the power cut did not bite")
        #expect(run.check("integrity")?["verdict"]?.stringValue == "pass")
    }

    @Test func aLyingDurabilityFailsPowerLossFullAndPassesAKillOnlyScenario() throws {
        let power = try Self.run([try Self.withFaultyWriter("power-loss-full", fault: "lying-durability")])
        #expect(power.result.status == ExitStatus.failed.rawValue, "\(power.summary)")
        #expect(power.check("acked-durable")?["verdict"]?.stringValue == "fail", "\(power.summary)")
        #expect((power.check("acked-durable")?["measurements"]?["lost_writes"]?.doubleValue ?? 0) > 0)
        // kill9-recovery's ready threshold is left out: a `command:` worker starts behind the
        // exec trampoline, which has nothing to do with durability.
        let kill = try Self.run([try Self.withFaultyWriter("kill9-recovery", fault: "lying-durability", dropThresholds: true)])
        #expect(kill.result.status == ExitStatus.passed.rawValue, "a kill alone cannot see the lie: \(kill.summary)")
        let honest = try Self.run(["\(Self.scenarios)/power-loss-full.yaml"])
        #expect(honest.result.status == ExitStatus.passed.rawValue, "\(honest.summary)")
    }

    @Test func anInactiveShimChangesNothingInTheKillAndPauseScenarios() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.scenarios).filter { $0.hasSuffix(".yaml") }.sorted()
        let signalOnly = try names.filter { name in
            let text = try String(contentsOfFile: "\(Self.scenarios)/\(name)", encoding: .utf8)
            return !["disk-full", "io-error", "clock-skew", "power-loss", "command"].contains { text.contains("kind: \($0)") }
                && !text.contains("\nbackends:")
        }
        #expect(signalOnly.count >= 10)
        let run = try Self.run(signalOnly.map { "\(Self.scenarios)/\($0)" } + ["--shim", "always"])
        // Every check holds but the latency ones (thresholds, recovery-time), which measure this machine while the
        // other tests run beside this one; ci/test.sh runs the same scenarios with
        // `--shim always` on their own, thresholds included.
        for (index, scenario) in run.scenarios.enumerated() {
            let problems = (scenario["problems"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(problems.isEmpty, "\(scenario["name"]?.stringValue ?? "?"): \(problems)")
            for check in scenario["checks"]?.arrayValue ?? [] {
                let name = check["name"]?.stringValue ?? ""
                if name.hasPrefix("threshold") || name == "recovery-time" { continue }
                #expect(check["verdict"]?.stringValue == "pass", "scenario \(index): \(check)")
            }
        }
        for index in run.scenarios.indices {
            let ready = try run.history(index).filter { $0["type"]?.stringValue == "ready" }
            #expect(!ready.isEmpty && ready.allSatisfy { $0["shim"]?["loaded"]?.boolValue == true }, "scenario \(index)")
        }
    }

    @Test func aShimFaultOnAWorkerWithoutTheShimIsUnknown() throws {
        let dir = try Binaries.temporaryDirectory()
        let yaml = """
            name: shim-stripped
            workers:
              - name: writer
                role: checkpoint-writer
                command: [/usr/bin/env, -u, LD_PRELOAD, \(CheckersCatchFaultyWorkersTests.quoted(Binaries.worker))]
                params: {task: t, count: 3000}
            faults:
              - {kind: disk-full, target: writer, after_ops: 10, duration: 200ms}
            checks: [acked-durable]
            """
        try yaml.write(toFile: dir + "/s.yaml", atomically: true, encoding: .utf8)
        let run = try Self.run([dir + "/s.yaml"])
        #expect(run.result.status == ExitStatus.unknown.rawValue, "\(run.summary)")
        let problems = (run.scenarios.first?["problems"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(problems.contains { $0.contains("the fault shim is not loaded in that worker") }, "\(problems)")
    }
}
