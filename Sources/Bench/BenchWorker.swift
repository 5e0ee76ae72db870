import COrdealShims
import Foundation
import OrdealMetrics

/// The worker side of `ProcessBench`: opens the backend (the shared database file, or a
/// private memory store), runs the load phase and a warm-up, writes `ready`, waits for the
/// start signal, measures one operation and writes a `WorkerResult` line.
public enum BenchWorker {
    public struct Options: Sendable {
        public var backend: String
        public var database: String?
        public var op: String
        public var tag: String
        public var budget: BenchBudget
        public var warmup: Int
        public var loop: LoopMode

        public init(backend: String, database: String?, op: String, tag: String, budget: BenchBudget, warmup: Int, loop: LoopMode) {
            self.backend = backend
            self.database = database
            self.op = op
            self.tag = tag
            self.budget = budget
            self.warmup = warmup
            self.loop = loop
        }
    }

    public static func run(_ options: Options, write: (String) -> Void) throws {
        BenchPosix.blockStartSignal()
        // Die with the runner: a worker never outlives it, even one killed with SIGKILL.
        guard ordeal_set_parent_death_signal(9) == 0 else {
            throw BenchError(.workerFailed, "bench-worker: prctl(PR_SET_PDEATHSIG) failed, so this worker could outlive its runner")
        }
        let durability = try BenchBackends.durability(of: options.backend)
        guard durability == "none" || options.database != nil else {
            throw BenchError(.badOption, "bench-worker: --backend \(options.backend) needs --db FILE, the database the parent prepared")
        }
        let target = try BenchBackends.open(options.backend, file: options.database ?? "")
        let workloads = try Workloads.make(target: target, tag: options.tag)
        guard let workload = workloads.first(where: { $0.name == options.op }) else {
            throw BenchError(
                .badOption, "bench-worker: --op \(options.op) is not an operation of \(options.backend); valid: "
                    + workloads.map(\.name).joined(separator: ", "))
        }
        for i in 0..<options.warmup { try workload.run(i) }
        write("ready")
        BenchPosix.waitForStartSignal()
        var histogram = LatencyHistogram()
        let outcome = try LoadLoop.run(
            first: options.warmup, budget: options.budget, mode: options.loop, histogram: &histogram,
            prepare: workload.prepare, op: workload.op)
        let result = WorkerResult(
            count: outcome.count, startNanos: outcome.startNanos, endNanos: outcome.endNanos, histogram: histogram)
        write(try result.encoded())
    }
}
