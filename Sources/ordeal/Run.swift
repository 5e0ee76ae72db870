import ArgumentParser
import Chaos
import Foundation
import OrdealSupport

extension Ordeal {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run scenarios: real worker processes, real faults, invariants checked on the recorded history.",
            discussion: """
                PATH is a scenario file or a folder of them (default: Scenarios/). Every
                file is validated before anything runs. Scenarios run one after another;
                each spawns its workers (ordeal-worker, or a command of your own speaking
                docs/worker-protocol.md) in process groups of their own, injects the faults
                of its schedule (kill, pause), records every event, exit, fault and heal to
                history.jsonl, reads the final state with a reader worker, and runs its
                checkers on the history and that state.

                The run folder (default Reports/<run id>/, with Reports/latest pointing at
                the newest) holds report.json, report.md, report.html, junit.xml, plots/,
                per scenario its history, final state and workers' standard error, and
                manifest.json (the SHA-256 of every file); with a signing key,
                attestation.dsse.json. Check it with `ordeal verify DIR --pubkey KEY.pub`. A
                scenario is pass, fail, or unknown when the harness itself broke (a worker
                never got ready, a fault never fired, a timeout): never a pass by default.

                EXIT CODES
                  0  every scenario passed
                  1  a scenario failed
                  2  bad input: a malformed scenario, a missing path, an unwritable folder
                  3  a scenario is unknown (and none failed)
                """)

        @Argument(help: "Scenario files or folders of them.")
        var paths: [String] = ["Scenarios"]

        @Option(help: "The run folder (default: Reports/<run id>).")
        var out: String?

        @Option(help: "Use this seed for every scenario instead of their own.")
        var seed: UInt64?

        @Option(help: ArgumentHelp(
            "When to load the fault shim into workers: auto (only where a disk, clock or power fault needs it) or always (to show that an inactive shim changes nothing).",
            valueName: "auto|always"))
        var shim: ShimMode = .auto

        @Option(name: .customLong("sign-key"), help: "Sign the run with this private key (PKCS#8 PEM; default: the PEM in $ORDEAL_SIGNING_KEY).")
        var signKey: String?

        func run() throws {
            let key = try Sealing.signingKey(file: signKey)
            let scenarios: [Scenario]
            do {
                scenarios = try ScenarioLoader.loadAll(paths: paths)
            } catch {
                throw BadInput("\(error)")
            }
            let runID = SuiteRunner.newRunID()
            let runDirectory = out ?? "Reports/\(runID)"
            try Tools.requireWritableDirectory(runDirectory, option: "--out")
            // On a terminal a status line is rewritten in place; in CI (or a pipe) only whole lines.
            let interactive = isatty(1) == 1 && ProcessInfo.processInfo.environment["CI"] == nil
            var options = SuiteRunner.Options(
                scenarios: scenarios, paths: paths, runDirectory: runDirectory,
                latestLink: out == nil ? "Reports/latest" : nil, seedOverride: seed, workerPath: try Tools.workerPath(),
                progress: { line in
                    print((interactive ? "\r\u{1B}[K" : "") + line)
                    fflush(nil)
                })
            options.shimAlways = shim == .always
            if interactive {
                options.live = { status in
                    print("\r\u{1B}[K  " + status, terminator: "")
                    fflush(nil)
                }
            }
            let report = try SuiteRunner(options: options).run()
            try Sealing.seal(report, directory: runDirectory, key: key)
            GitHubActions.publish(report)
            print("\(report.verdict.rawValue.uppercased()): \(report.scenarios.count) scenarios in \(runDirectory) (report.md, report.json)")
            throw ExitCode(report.exitStatus)
        }
    }
}

enum ShimMode: String, ExpressibleByArgument, CaseIterable {
    case auto, always
}
