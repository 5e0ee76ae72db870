import OrdealReports
import ArgumentParser
import Foundation
import OrdealModel
import OrdealRunner
import OrdealSupport
import OrdealSystem

extension Ordeal {
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a task with recovery, kill it with SIGKILL mid-run, restart it, and check the result.",
            discussion: """
                Runs Scenarios/e2e-crash-resume.yaml through the same runner and checkers as
                `ordeal run`: `ordeal-worker task-runner` on an embedded SQLite database runs a
                task of STEPS steps; each calls a tool through the tool ledger (its real effect
                appends a line to a file) and commits a checkpoint with evidence. After
                KILL-AFTER acknowledged steps the worker is killed with SIGKILL and restarted.
                Checked on the recorded history: it resumed after the last acknowledged step,
                ended succeeded, checkpoint sequence numbers are 1..n, the database passes
                integrity_check, and every step's effect happened (twice only when a crash
                fell between the tool's intent and its result, which the ledger reports).
                The run folder (DIRECTORY, default a new temporary one) holds the report.

                \(ExitStatus.helpText)
                """)

        @Option(help: "The run folder (default: a new temporary one).")
        var directory: String?

        @Option(help: "The scenario file it runs.")
        var scenario = "Scenarios/e2e-crash-resume.yaml"

        @Option(help: "Steps in the task.")
        var steps = 8

        @Option(name: .customLong("kill-after"), help: "Acknowledged steps before SIGKILL.")
        var killAfter = 3

        @Option(name: .customLong("step-ms"), help: "Milliseconds each step works before its tool call.")
        var stepMillis = 40

        func validate() throws {
            guard steps >= 2 else { throw ValidationError("--steps must be at least 2") }
            guard killAfter >= 1, killAfter < steps else {
                throw ValidationError("--kill-after must be between 1 and --steps minus 1 (\(steps - 1))")
            }
        }

        func run() throws {
            var scenario = try ScenarioLoader.load(path: self.scenario)
            guard scenario.workers.count == 1, scenario.faults.count == 1, scenario.faults[0].kind == .kill else {
                throw BadInput("\(self.scenario): the demo needs one task-runner group and one kill fault, as Scenarios/e2e-crash-resume.yaml has; name that file with --scenario")
            }
            scenario.workers[0].params["steps"] = String(steps)
            scenario.workers[0].params["step-ms"] = String(stepMillis)
            scenario.faults[0].trigger = .afterOps(count: killAfter, op: "task.step")
            // The work it demands follows the steps asked for.
            scenario.expectations = scenario.expectations.map { e in
                var e = e
                if e.op == "task.step" { e.acknowledged = steps }
                return e
            }
            let dir = try directory ?? Posix.makeTemporaryDirectory(prefix: "ordeal-demo")
            try Tools.requireWritableDirectory(dir, option: "--directory")
            let options = SuiteRunner.Options(
                scenarios: [scenario], paths: [self.scenario], runDirectory: dir, latestLink: nil, seedOverride: nil,
                workerPath: try Tools.workerPath(), progress: { print($0) })
            let report = try SuiteRunner(options: options).run()
            for result in report.scenarios {
                let history = try History.parse(jsonl: String(decoding: try Posix.readAll("\(dir)/\(result.folder)/history.jsonl"), as: UTF8.self))
                for event in history.events where ["spawn", "fault", "exit"].contains(event.type) {
                    print("  \(Format.short(event.tMillis, 1)) ms  \(event.worker ?? "") #\(event.incarnation) \(Self.describe(event))")
                }
                for check in result.checks { print("  \(check.verdict.rawValue.uppercased())  \(check.name): \(check.detail)") }
            }
            print("\(report.verdict.rawValue.uppercased()): the report is in \(dir) (report.md, report.json)")
            throw ExitCode(report.exitStatus)
        }

        static func describe(_ event: HistoryEvent) -> String {
            switch event.type {
            case "spawn": "started"
            case "fault": "\(event.fields["kind"]?.stringValue ?? "fault") injected"
            default:
                if let signal = event.fields["signal"]?.intValue { "killed by signal \(signal)" } else { "exited with \(event.fields["code"]?.intValue ?? -1)" }
            }
        }
    }
}
