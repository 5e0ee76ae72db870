import ArgumentParser
import Foundation
import OrdealModel
import OrdealRunner
import OrdealSupport
import OrdealSystem

extension Ordeal {
    struct Worker: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tools for people writing a worker of their own.",
            subcommands: [Check.self])
    }
}

extension Ordeal.Worker {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that a worker speaks the worker protocol and plays the roles it declares.",
            discussion: """
                Starts COMMAND as the reader of an empty store to read what it declares (its
                protocol version, roles, ops and core), then runs one short probe per role:
                a few ops, a SIGKILL and a restart where the role recovers, and the reader.
                Every line the worker writes is validated against
                docs/worker-protocol.schema.json. Each deviation is printed with what to fix;
                the probes' folders (history.jsonl, workers.log) are kept in --out.

                A role the worker does not declare is not probed. A version 1 worker
                (no capabilities) is probed in every role.

                EXIT CODES
                  0  clean: every probe of a declared role passed
                  1  a probe failed: the worker broke a rule a checker judges
                  2  bad input: the command cannot start or breaks the protocol at once
                  3  a probe was unknown: a protocol violation, or nothing was judged
                """)

        @Argument(help: "The worker command, as one string: 'python3 my_adapter.py'.")
        var command: String

        @Option(help: "Where the probes' run folder goes (default: a new temporary folder).")
        var out: String?

        @Option(help: ArgumentHelp(
            "Probe on this backend, as `ordeal run --backend` does: postgres://USER@HOST:PORT/DB (each probe on a new database) for a core that lives on a server.",
            valueName: "spec"))
        var backend: String?

        func run() throws {
            let words = try Tools.words(command, option: "ordeal worker check")
            let directory = try out ?? Posix.makeTemporaryDirectory(prefix: "ordeal-worker-check")
            try Tools.requireWritableDirectory(directory, option: "--out")
            let override = try backend.map { try Ordeal.Run.override($0, runID: "check" + String(getpid())) }
            let (identity, findings, clean) = try WorkerCheck.run(
                command: words, workerPath: try Tools.workerPath(), directory: directory, backend: override, progress: { _ in })
            print("worker: \(identity?.summary ?? command)")
            for finding in findings {
                let mark = finding.verdict == .notApplicable ? "SKIP" : finding.verdict.rawValue.uppercased()
                print("  \(mark)  \(finding.role)")
                for deviation in finding.deviations { print("        - \(deviation)") }
                if finding.verdict != .pass && finding.verdict != .notApplicable { print("        see \(finding.folder)/history.jsonl and workers.log") }
            }
            let failed = findings.contains { $0.verdict == .fail }
            print(clean ? "CLEAN: every declared role passed its probe (\(directory))" : "NOT CLEAN: fix the deviations above (\(directory))")
            if clean { return }
            throw ExitCode(failed ? ExitStatus.failed : ExitStatus.unknown)
        }
    }
}
