import ArgumentParser
import Foundation
import OrdealSupport

@main
struct Ordeal: ParsableCommand {
    /// Parses and runs, keeping Ordeal's exit-code contract: ArgumentParser reports usage and
    /// validation errors with EX_USAGE (64); Ordeal's contract says 2 for bad input.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as BadInput {
            FileHandle.standardError.write(Data(("Error: " + error.description + "\n").utf8))
            Foundation.exit(ExitStatus.badInput.rawValue)
        } catch {
            if exitCode(for: error).rawValue == 64 {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitStatus.badInput.rawValue)
            }
            exit(withError: error)
        }
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

            \(ExitStatus.helpText)
            """,
        version: OrdealVersion.current,
        subcommands: [Run.self, Verify.self, Report.self, Keygen.self, Demo.self, Bench.self, Shim.self, BenchWorkerCommand.self])
}

/// Exits with one of Ordeal's documented codes.
extension ExitCode {
    init(_ status: ExitStatus) { self.init(status.rawValue) }
}
