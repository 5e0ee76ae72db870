import ArgumentParser
import Chaos
import OrdealSupport

extension Ordeal {
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a task with recovery, kill it with SIGKILL mid-run, restart it, and check the result.",
            discussion: """
                Spawns `ordeal-worker task-runner` on an embedded SQLite database. The task
                has STEPS steps; each calls a tool through the tool ledger (its real effect
                appends a line to a file) and commits a checkpoint with evidence. After
                KILL-AFTER acknowledged steps the worker is killed with SIGKILL; a second
                worker resumes. Checked: it resumed after the last acknowledged step, ended
                succeeded, checkpoint sequence numbers are 1..n, the database passes
                integrity_check, and every step's effect happened (twice only when a crash
                fell between the tool's intent and its result, which the ledger reports).
                """)

        @Option(help: "Directory for the database and the effects file (default: a new temporary one).")
        var directory: String?

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
            let dir = try directory ?? Tools.temporaryDirectory(prefix: "ordeal-demo")
            try Tools.requireWritableDirectory(dir, option: "--directory")
            var demo = CrashResumeDemo(workerPath: try Tools.workerPath(), directory: dir)
            demo.steps = steps
            demo.killAfterSteps = killAfter
            demo.stepMillis = stepMillis
            let outcome = try demo.run { print($0) }
            throw ExitCode(outcome.passed ? ExitStatus.passed : .failed)
        }
    }
}
