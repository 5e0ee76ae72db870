import ArgumentParser
import OrdealSupport

@main
struct Ordeal: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ordeal",
        abstract: "Chaos testing and benchmarking for crash-recovery software.",
        discussion: """
            Ordeal puts a recovery core (checkpoints with evidence, work-item leases with fencing,
            a recovery sweep, an LLM cache and a tool ledger) through real crashes and measures it.
            The core it ships runs on embedded SQLite.

              ordeal demo     kill a task run with SIGKILL, restart it, check it resumed correctly
              ordeal bench    latency percentiles of the core, with SQLite's raw floor beside them

            \(ExitStatus.helpText)
            """,
        version: OrdealVersion.current,
        subcommands: [Demo.self, Bench.self])
}

/// Exits with one of Ordeal's documented codes.
extension ExitCode {
    init(_ status: ExitStatus) { self.init(status.rawValue) }
}
