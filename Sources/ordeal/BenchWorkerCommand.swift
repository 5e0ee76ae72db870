import ArgumentParser
import Bench
import Foundation
import OrdealSupport

extension Ordeal {
    /// The worker process of `ordeal bench --workers`: not for people (hidden from --help).
    struct BenchWorkerCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-worker", abstract: "One worker process of `ordeal bench --workers` (internal).",
            shouldDisplay: false)

        @Option var backend: String
        @Option var db: String?
        @Option var op: String
        @Option var tag: String
        @Option var warmup = 0
        @Option var iterations: Int?
        @Option(name: .customLong("duration-ns")) var durationNanos: UInt64?
        @Option var rate: Double?

        func run() throws {
            guard let budget = iterations.map(BenchBudget.iterations) ?? durationNanos.map({ BenchBudget.duration(nanos: $0) }) else {
                throw BadInput("bench-worker needs --iterations N or --duration-ns N")
            }
            let options = BenchWorker.Options(
                backend: backend, database: db, op: op, tag: tag, budget: budget, warmup: warmup,
                loop: rate.map { LoopMode.open(perSecond: $0) } ?? .closed)
            do {
                try BenchWorker.run(options) { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
            } catch let error as BenchError where error.isBadInput {
                throw BadInput(error.description)
            }
        }
    }
}
