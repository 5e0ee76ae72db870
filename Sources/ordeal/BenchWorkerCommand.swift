import OrdealReports
import OrdealModel
import OrdealSystem
import ArgumentParser
import Backends
import BenchKit
import Foundation
import OrdealSupport

extension Ordeal {
    /// The worker process of `ordeal bench --workers`: not for people (hidden from --help). Its
    /// command line is `BenchWorker.Options`, parsed there, as in every worker built on WorkerKit.
    struct BenchWorkerCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-worker", abstract: "One worker process of `ordeal bench --workers` (internal).",
            shouldDisplay: false)

        @Argument(parsing: .captureForPassthrough) var arguments: [String] = []

        func run() throws {
            let status = BenchWorker.main(
                arguments: arguments, open: { spec, database in try Backends.open(spec, sqlitePath: database) },
                write: { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }, fail: Tools.warn)
            if status != 0 { throw ExitCode(status) }
        }
    }
}
