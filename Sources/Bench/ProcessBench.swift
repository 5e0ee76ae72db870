import Chaos
import Foundation
import OrdealMetrics

/// Measures with real worker processes: for every worker count, backend and operation (in
/// rounds, interleaved), N `ordeal bench-worker` processes open the same database, warm up,
/// report `ready`, start together on a signal, and each writes its whole histogram. The
/// histograms are merged; throughput is all operations over the span from the first start to
/// the last end (one `CLOCK_MONOTONIC` for all processes).
struct ProcessBench {
    let plan: BenchPlan
    let targets: [BenchTarget]
    /// The operations of each backend, floor first.
    let ops: [[String]]
    let history: BenchHistory

    func run(into cells: inout BenchCells, progress: (String) -> Void) throws {
        for round in 0..<plan.rounds {
            for workers in plan.workers ?? [] {
                for (b, target) in targets.enumerated() {
                    for op in ops[b] {
                        let (histogram, outcome) = try group(workers: workers, target: target, op: op, round: round)
                        let key = BenchKey(backend: target.spec, workers: workers, op: op, loop: plan.loop.name)
                        cells.add(key, durability: target.durability, histogram: histogram, wallNanos: outcome.wallNanos)
                        try history.block(round: round, key: key, outcome: outcome, histogram: histogram)
                    }
                }
                progress("round \(round + 1)/\(plan.rounds): \(workers) worker process\(workers == 1 ? "" : "es") done")
            }
        }
    }

    func arguments(target: BenchTarget, op: String, tag: String, round: Int) -> [String] {
        var args = plan.workerCommand + [
            "--backend", target.spec, "--op", op, "--tag", tag, "--warmup", "\(plan.warmup)",
        ]
        if let file = target.sharedLocation { args += ["--db", file] }
        switch plan.block(round: round) {
        case .iterations(let n): args += ["--iterations", "\(n)"]
        case .duration(let nanos): args += ["--duration-ns", "\(nanos)"]
        }
        if case .open(let rate) = plan.loop { args += ["--rate", "\(rate)"] }
        return args
    }

    private func group(workers: Int, target: BenchTarget, op: String, round: Int) throws -> (LatencyHistogram, BlockOutcome) {
        var children: [(ChildProcess, String)] = []
        for i in 0..<workers {
            let tag = "\(plan.runTag)-n\(workers)-r\(round)-w\(i)-\(op)"
            let stderr = plan.directory + "/worker-\(tag).stderr"
            let args = arguments(target: target, op: op, tag: tag, round: round)
            do { children.append((try ChildProcess(args, stderrPath: stderr), stderr)) } catch {
                throw BenchError(.workerFailed, "cannot start the worker \(args[0]): \(error)")
            }
        }
        for (child, stderr) in children {
            let line = try child.readLine()
            guard line == "ready" else { throw failed(child, stderr, op, target, "it never reported ready") }
        }
        for (child, _) in children { try child.kill(BenchPosix.startSignal) }
        var merged = LatencyHistogram()
        var outcome = BlockOutcome(count: 0, wallNanos: 0, startNanos: .max, endNanos: 0)
        for (child, stderr) in children {
            guard let line = try child.readLine(), let result = try? WorkerResult.decode(line) else {
                throw failed(child, stderr, op, target, "it wrote no result")
            }
            let status = try child.wait()
            guard status == .exited(0) else { throw failed(child, stderr, op, target, "it \(status)") }
            merged.merge(result.histogram)
            outcome.count += result.count
            outcome.startNanos = min(outcome.startNanos, result.startNanos)
            outcome.endNanos = max(outcome.endNanos, result.endNanos)
            try? FileManager.default.removeItem(atPath: stderr)
        }
        outcome.wallNanos = outcome.endNanos > outcome.startNanos ? outcome.endNanos - outcome.startNanos : 0
        return (merged, outcome)
    }

    private func failed(_ child: ChildProcess, _ stderr: String, _ op: String, _ target: BenchTarget, _ what: String) -> BenchError {
        try? child.kill(9)
        let status = (try? child.wait()).map { " (\($0))" } ?? ""
        let text = (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? ""
        let tail = text.split(separator: "\n").suffix(3).joined(separator: " | ")
        return BenchError(
            .workerFailed,
            "a bench worker for \(op) on \(target.spec) failed: \(what)\(status); its stderr (\(stderr)): \(tail.isEmpty ? "empty" : tail)")
    }
}

/// What a worker process writes as its last line: its whole histogram and its span.
public struct WorkerResult: Codable, Sendable {
    public var count: Int
    public var startNanos: UInt64
    public var endNanos: UInt64
    public var histogram: LatencyHistogram

    public func encoded() throws -> String {
        String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
    }

    public static func decode(_ line: String) throws -> WorkerResult {
        try JSONDecoder().decode(WorkerResult.self, from: Data(line.utf8))
    }
}
