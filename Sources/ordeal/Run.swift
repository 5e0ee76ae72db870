import OrdealReports
import OrdealModel
import OrdealSystem
import ArgumentParser
import Backends
import OrdealRunner
import Foundation
import OrdealSupport
import PostgresBackend
import RecoveryCore
import Synchronization

extension Ordeal {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run scenarios: real worker processes, real faults, invariants checked on the recorded history.",
            discussion: """
                PATH is a scenario file or a folder of them (default: Scenarios/). Every
                file is validated before anything runs. Scenarios run one after another;
                each spawns its workers (ordeal-worker, or a command of your own speaking
                docs/worker-protocol.md) in process groups of their own, injects the faults
                of its schedule (\(FaultKind.allCases.map(\.rawValue).joined(separator: ", "));
                docs/faults.md), records every event, exit, fault and heal to
                history.jsonl, reads the final state with a reader worker, and runs its
                checkers on the history and that state.

                The run folder (default Reports/<run id>/, with Reports/latest pointing at
                the newest) holds report.json, report.md, report.html, junit.xml, plots/,
                per scenario its history, final state and workers' standard error, and
                manifest.json (the SHA-256 of every file); with a signing key,
                attestation.dsse.json. Check it with `ordeal verify DIR --pubkey KEY.pub`.
                The folder must be new or empty (--replace empties a previous run's). A
                scenario is pass, fail, or unknown when the harness itself broke (a worker
                never got ready, a fault never fired, a timeout): never a pass by default.

                EXIT CODES
                  0  every scenario passed
                  1  a scenario failed
                  2  bad input: a malformed scenario, a missing path, an unwritable folder
                  3  a scenario is unknown (and none failed), or no scenario judged the worker

                YOUR OWN CORE
                  ordeal run --worker 'python3 my_adapter.py' runs the whole suite through
                  your worker (docs/your-core.md). Each scenario is pass, fail, unknown, or
                  not-applicable when the worker does not declare a role or op it needs
                  (never a pass; --require-all makes it fail the run).
                """)

        @Argument(help: "Scenario files or folders of them.")
        var paths: [String] = ["Scenarios"]

        @Option(help: "The run folder (default: Reports/<run id>). It must be new or empty: a run folder holds only its own run's files.")
        var out: String?

        @Flag(help: "Let --out name the folder of a previous run: its files are deleted first.")
        var replace = false

        @Option(help: "Use this seed for every scenario instead of their own (a whole number from 0 to 9223372036854775807, as report.json stores it).")
        var seed: UInt64?

        @Option(help: ArgumentHelp(
            "When to load the fault shim into workers: auto (only where a disk, clock or power fault needs it) or always (to show that an inactive shim changes nothing).",
            valueName: "auto|always"))
        var shim: ShimMode = .auto

        @Option(help: ArgumentHelp(
            "Run every scenario on this backend instead of the one it names: sqlite:full|normal|off, or postgres://USER@HOST:PORT/DB (each scenario gets a new database on that server; scenarios whose disk, I/O or power faults cannot reach a server are left out, and the run says so).",
            valueName: "spec"))
        var backend: String?

        @Option(help: ArgumentHelp(
            "Run every worker group of every scenario with this command (a worker of your own, in any language, speaking docs/worker-protocol.md), scenario files untouched; default: $ORDEAL_WORKER_COMMAND. Scenarios needing a role or op it does not declare are not-applicable. Latency thresholds are then reported as performance results that do not decide verdicts (see --enforce-thresholds).",
            valueName: "command"))
        var worker: String?

        @Option(help: ArgumentHelp(
            "A YAML list of a core's known limitations, {scenario, check, reason}: each check is an expected failure of that scenario (scenario files untouched), measured and listed under \"Measured limitations\"; one that holds fails. The reason quotes the core's own documentation (Examples/cores/*/limitations.yaml).",
            valueName: "file"))
        var limitations: String?

        @Flag(name: .customLong("require-all"), help: "Fail the run when a scenario is not applicable to the worker (for a core that claims every role).")
        var requireAll = false

        @Flag(name: .customLong("enforce-thresholds"), help: "With --worker, let latency thresholds decide verdicts, as they do for Ordeal's own worker.")
        var enforceThresholds = false

        @Option(help: ArgumentHelp(
            "Every scenario's liveness budget (how soon after the last fault the work must progress) instead of its own, e.g. 30s for a slower core.",
            valueName: "duration"))
        var liveness: String?

        @Option(name: .customLong("sign-key"), help: "Sign the run with this private key (PKCS#8 PEM; default: the PEM in $ORDEAL_SIGNING_KEY).")
        var signKey: String?

        func run() throws {
            let key = try Sealing.signingKey(file: signKey)
            if let seed, !Seed.isValid(seed) {
                throw BadInput("--seed \(seed): a seed is \(Seed.rule) (63 bits, so that report.json stores it exactly as printed); use a smaller one")
            }
            var scenarios = try ScenarioLoader.loadAll(paths: paths)
            if let limitations {
                let applied = try Limitations.apply(file: limitations, to: scenarios)
                scenarios = applied.scenarios
                if !applied.notInRun.isEmpty {
                    print("--limitations \(limitations): \(Format.count(applied.notInRun.count, "entry", plural: "entries")) name a scenario this run leaves out (\(Set(applied.notInRun).sorted().joined(separator: ", ")))")
                }
            }
            let runID = SuiteRunner.newRunID()
            let runDirectory = out ?? "Reports/\(runID)"
            try Tools.prepareRunFolder(runDirectory, option: "--out", replace: replace)
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
            options.runID = runID
            options.signingKeyID = key?.publicKey.keyID
            if let command = worker ?? ProcessInfo.processInfo.environment["ORDEAL_WORKER_COMMAND"].flatMap({ $0.isEmpty ? nil : $0 }) {
                options.workerCommand = try Tools.words(command, option: "--worker")
            }
            options.requireAll = requireAll
            if let liveness { options.livenessMillis = try ScenarioLoader.millis(liveness, option: "--liveness") }
            options.enforceThresholds = enforceThresholds
            if let backend { options.backend = try Self.override(backend, runID: runID) }
            if interactive {
                options.live = { status in
                    // Cut to the terminal's width: a status line that wraps cannot be rewritten
                    // in place, and the screen fills with stale copies.
                    let line = Format.fit(status, columns: (Posix.terminalColumns() ?? 80) - 3)
                    print("\r\u{1B}[K  " + line, terminator: "")
                    fflush(nil)
                }
            }
            let report = try SuiteRunner(options: options).run()
            try Sealing.seal(report, directory: runDirectory, key: key)
            GitHubActions.publish(report)
            print("\(report.verdict.rawValue.uppercased()): \(Format.count(report.scenarios.count, "scenario")) in \(runDirectory) (report.md, report.json)")
            throw ExitCode(report.exitStatus)
        }
    }
}

enum ShimMode: String, ExpressibleByArgument, CaseIterable {
    case auto, always
}

extension Ordeal.Run {
    /// What `--backend SPEC` does to the suite.
    static func override(_ text: String, runID: String) throws -> BackendOverride {
        let spec: BackendSpec
        do {
            spec = try BackendSpec.parse(text)
        } catch {
            throw BadInput("--backend: \(error.message)")
        }
        switch spec {
        case .sqlite(let durability):
            return BackendOverride(name: spec.description, durability: durability)
        case .memory:
            throw BadInput("--backend memory: the memory backend lives inside one process, and a scenario's workers are many processes; use sqlite:normal or postgres://...")
        case .postgres(let server):
            let counter = Mutex(0)
            let token = runID.filter { $0.isLetter || $0.isNumber }.lowercased().suffix(12)
            return BackendOverride(
                name: spec.description, scenarioBackend: "postgres",
                prepare: { _, _ in
                    let name = "ordeal_\(token)_\(counter.withLock { $0 += 1; return $0 })"
                    try PostgresBackend.createDatabase(name, server: server)
                    return server.with(database: name).connectionString
                },
                reasonNotToRun: BackendOverride.serverReason)
        case .custom(let scheme, _):
            return BackendOverride(
                name: spec.description, scenarioBackend: scheme, prepare: { _, data in BackendSpec.substitutingData(in: text, with: data) })
        }
    }
}
