import OrdealReports
import OrdealModel
import OrdealSystem
import ArgumentParser
import OrdealRunner
import Foundation
import OrdealSupport

extension Ordeal {
    struct Shim: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a command of your own with the fault shim loaded (LD_PRELOAD).",
            discussion: """
                The shim is the C library through which scenarios inject disk-full, io-error,
                clock-skew and power-loss faults (docs/faults.md). This command loads it into any
                dynamically linked program, inactive or journaling for power loss, to measure
                what the shim costs or to check that a program of yours can take it.

                EXAMPLES
                  ordeal shim path
                  ordeal shim run --data /tmp/b -- ordeal bench --directory /tmp/b --ops checkpoint.commit
                  ordeal shim run --data /tmp/b --journal -- ordeal bench --directory /tmp/b

                EXIT CODES
                  the command's own; 2 for bad input; 127 when the command cannot be started
                """,
            subcommands: [Path.self, RunCommand.self])

        struct Path: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print where libordeal_shim.so is.")
            func run() throws {
                print(try FaultShim.libraryPath())
            }
        }

        struct RunCommand: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "run", abstract: "Run COMMAND with the shim loaded; print what the shim saw to standard error.")

            @Option(help: "The folder whose files the shim's disk and power faults reach.")
            var data: String

            @Flag(help: "Journal every change under --data for power loss (what power-loss scenarios pay).")
            var journal = false

            @Argument(parsing: .captureForPassthrough, help: "The command and its arguments (after --).")
            var command: [String] = []

            func run() throws {
                let argv = command.first == "--" ? Array(command.dropFirst()) : command
                guard !argv.isEmpty else { throw BadInput("ordeal shim run: no command; give one after --, e.g. `ordeal shim run --data DIR -- CMD ARGS`") }
                guard FileManager.default.fileExists(atPath: data) else {
                    throw BadInput("ordeal shim run: --data \(data) does not exist; create the folder first")
                }
                let folder = try FileManager.default.url(
                    for: .itemReplacementDirectory, in: .userDomainMask, appropriateFor: URL(fileURLWithPath: "/tmp"), create: true).path
                defer { try? FileManager.default.removeItem(atPath: folder) }
                let session = try ShimSession(folder: folder, dataDirectory: data, journal: journal)
                let environment = try session.environment()
                let child: ChildProcess
                do {
                    child = try ChildProcess(argv, environment: environment)
                } catch {
                    // The documented code of a command that cannot be started, as env(1) has it.
                    FileHandle.standardError.write(Data("Error: cannot run \(argv[0]): \(error.reason); check the command and PATH\n".utf8))
                    throw ExitCode(127)
                }
                while let line = try child.readLine() { print(line) }
                let status = try child.wait().exitCode
                FileHandle.standardError.write(Data((session.summary + "\n").utf8))
                throw ExitCode(status)
            }
        }
    }
}
