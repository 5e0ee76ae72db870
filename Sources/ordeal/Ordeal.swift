import OrdealReports
import OrdealModel
import OrdealSystem
import ArgumentParser
import Foundation
import OrdealSupport

@main
struct Ordeal: ParsableCommand {
    /// Parses and runs; the one place where an error becomes an exit status. Every error says
    /// its own (`ExitStatusProviding`) and is printed once, as `Error: ...`. ArgumentParser's
    /// usage and validation errors (EX_USAGE, 64) are bad input, 2 in Ordeal's contract; a
    /// verdict arrives as an `ExitCode`; anything else is an internal error (4), never 1, which
    /// only a failed check may return.
    static func main() {
        do {
            // `ordeal` alone runs nothing: a usage error (2), with the help that teaches.
            guard CommandLine.arguments.count > 1 else { fail(helpMessage(), .badInput, prefix: "") }
            var command = try parseAsRoot()
            try command.run()
        } catch let error as any ExitStatusProviding {
            fail(error.description, error.exitStatus)
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error).rawValue
            if code == 0 { exit(withError: error) }  // --help, --version
            if code == 64 { fail(fullMessage(for: error), .badInput, prefix: "") }
            fail("internal error: \(error)", .internalError)
        }
    }

    private static func fail(_ message: String, _ status: ExitStatus, prefix: String = "Error: ") -> Never {
        FileHandle.standardError.write(Data((prefix + message + "\n").utf8))
        Foundation.exit(status.rawValue)
    }

    static let configuration = CommandConfiguration(
        commandName: "ordeal",
        abstract: "Chaos testing and benchmarking for crash-recovery software.",
        discussion: """
            Ordeal puts a recovery core (checkpoints with evidence, work-item leases
            with fencing, a recovery sweep, an LLM cache and a tool ledger) through real
            crashes and measures it. The core it ships runs on embedded SQLite.

              ordeal run      run Scenarios/ (the acceptance suite), write a report
              ordeal verify   check a run folder: digests, manifest, signature, schema
              ordeal report   rebuild a run's reports from its recorded history
              ordeal keygen   make a key pair for signing runs
              ordeal demo     kill a task run, restart it, check that it resumed
              ordeal bench    latency percentiles of the core beside SQLite's floor
              ordeal worker   check that a worker of your own speaks the protocol
              ordeal shim     run a command with the fault shim loaded (faults by hand)

            \(ExitStatus.helpText)
            """,
        version: OrdealVersion.current,
        subcommands: [Run.self, Verify.self, Report.self, Keygen.self, Demo.self, Bench.self, BenchWorkerCommand.self, Shim.self, Worker.self])
}

/// Exits with one of Ordeal's documented codes.
extension ExitCode {
    init(_ status: ExitStatus) { self.init(status.rawValue) }
}
