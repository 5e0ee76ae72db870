import OrdealMetrics
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

    private func failure(_ error: any Error, _ op: String, _ spec: String) -> BenchError {
        BenchError(.workerFailed, "\(op) on \(spec) failed: \(error)")
    }
}

/// `sweep.expired_N`: each repetition stores N items and leases them all with an already
/// expired lease (unmeasured), then measures one `RecoverySweep.runOnce` that must recover
/// every one. The first repetition is a discarded warm-up; backends are interleaved.
struct SweepBench {
    let plan: BenchPlan
    let targets: [BenchTarget]
    let history: BenchHistory

    func run(into cells: inout BenchCells, progress: (String) -> Void) throws {
        for size in plan.sweepSizes where plan.includes("sweep.expired_\(size)") {
            progress("sweep of \(size) expired leases, \(plan.sweepRepeats) times on each backend")
            for repetition in 0...plan.sweepRepeats {
                for target in targets {
                    let nanos = try sweepOnce(target.backend, size: size, tag: "\(plan.runTag)-\(repetition)")
                    guard repetition > 0 else { continue }
                    var histogram = LatencyHistogram()
                    histogram.record(nanos: nanos)
                    let key = BenchKey(backend: target.spec, workers: 1, op: "sweep.expired_\(size)", loop: "closed")
                    let outcome = BlockOutcome(count: 1, wallNanos: nanos, startNanos: 0, endNanos: nanos)
                    cells.add(key, durability: target.durability, histogram: histogram, wallNanos: nanos)
                    try history.block(round: repetition - 1, key: key, outcome: outcome, histogram: histogram)
                }
            }
        }
    }

    private func sweepOnce(_ backend: any RecoveryBackend, size: Int, tag: String) throws -> UInt64 {
        let clock = ManualClock(startMillis: SystemClock().nowMillis())
        let leases = LeaseManager(store: backend, holder: "bench-sweeper", leaseMillis: 1, clock: clock)
        let sweep = RecoverySweep(store: backend, clock: clock)
        try leases.add((0..<size).map { NewWorkItem(id: "sweep-\(size)-\(tag)-\($0)", maxAttempts: 1_000) })
        for _ in 0..<size { _ = try leases.acquire() }
        clock.advance(byMillis: 10)
        let start = Stopwatch.nowNanos()
        let result = try sweep.runOnce()
        let elapsed = Stopwatch.nowNanos() - start
        guard result.recovered == size else {
            throw BenchError(.workerFailed, "the sweep on \(backend.spec) recovered \(result.recovered) of \(size) expired leases")
        }
        // Complete what is pending so the next repetition sweeps only its own items.
        while let lease = try leases.acquire() { try leases.complete(lease, output: "{}") }
        return elapsed
    }
}
