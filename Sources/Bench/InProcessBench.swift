import OrdealSupport
import BenchKit
import RecoveryCore

/// Measures every backend in this process, one worker: a warm-up of each operation is run
/// and discarded, then rounds interleave every backend and operation in blocks.
struct InProcessBench {
    let plan: BenchPlan
    let targets: [BenchTarget]
    let workloads: [[Workload]]
    let history: BenchHistory

    func run(into cells: inout BenchCells, progress: (String) -> Void) throws {
        progress("warm-up: \(plan.warmup) of each operation on each backend (discarded)")
        for (b, list) in workloads.enumerated() {
            for w in list {
                for i in 0..<plan.warmup {
                    do { try w.run(i) } catch { throw failure(error, w.name, targets[b].spec) }
                }
            }
        }
        var next = workloads.map { $0.map { _ in plan.warmup } }
        for round in 0..<plan.rounds {
            for (b, target) in targets.enumerated() {
                for (w, workload) in workloads[b].enumerated() {
                    var histogram = LatencyHistogram()
                    let outcome: BlockOutcome
                    do {
                        outcome = try LoadLoop.run(
                            first: next[b][w], budget: plan.block(round: round), mode: plan.loop, histogram: &histogram,
                            prepare: workload.prepare, op: workload.op)
                    } catch { throw failure(error, workload.name, target.spec) }
                    next[b][w] += outcome.count
                    let key = BenchKey(backend: target.spec, workers: 1, op: workload.name, loop: plan.loop.name)
                    cells.add(key, durability: target.durability, histogram: histogram, wallNanos: outcome.wallNanos)
                    try history.block(round: round, key: key, outcome: outcome, histogram: histogram)
                }
            }
            progress("round \(round + 1)/\(plan.rounds) done")
        }
    }
}

/// `sweep.expired_N` in this process: each size is measured `sweepRepeats` times on every
/// backend, the backends interleaved one sweep at a time, after a discarded warm-up sweep.
struct SweepBench {
    let plan: BenchPlan
    let targets: [BenchTarget]
    let history: BenchHistory

    func run(into cells: inout BenchCells, progress: (String) -> Void) throws {
        for size in plan.sweepSizes where plan.includes(Workloads.sweepPrefix + "\(size)") {
            progress("sweep of \(size) expired leases, \(plan.sweepRepeats) times on each backend")
            let sweeps = targets.map { Workloads.sweep(size: size, backend: $0.backend, tag: plan.runTag) }
            for repetition in 0...plan.sweepRepeats {
                for (target, sweep) in zip(targets, sweeps) {
                    var histogram = LatencyHistogram()
                    let outcome: BlockOutcome
                    do {
                        outcome = try LoadLoop.run(
                            first: repetition, budget: .iterations(1), mode: .closed, histogram: &histogram,
                            prepare: sweep.prepare, op: sweep.op)
                    } catch { throw failure(error, sweep.name, target.spec) }
                    guard repetition > 0 else { continue }
                    let key = BenchKey(backend: target.spec, workers: 1, op: sweep.name, loop: "closed")
                    cells.add(key, durability: target.durability, histogram: histogram, wallNanos: outcome.wallNanos)
                    try history.block(round: repetition - 1, key: key, outcome: outcome, histogram: histogram)
                }
            }
        }
    }
}

func failure(_ error: any Error, _ op: String, _ spec: String) -> BenchError {
    BenchError(.workerFailed, "\(op) on \(spec) failed: \(error)")
}
