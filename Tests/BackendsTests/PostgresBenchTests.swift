import Bench
import Foundation
import PostgresBackend
import PostgresTestSupport
import Testing

/// `ordeal bench` on PostgreSQL: in this process, and in worker processes of a WorkerKit worker
/// (`ordeal-worker bench-worker`, as `--worker PATH` runs it), each on a new database of the run.
@Suite(.enabled(if: !ScratchPostgres.isSkipped, "ORDEAL_SKIP_POSTGRES=1"))
struct PostgresBenchTests {
    func plan(_ workers: [Int]?) throws -> BenchPlan {
        let server = try ScratchPostgres.serverURL()
        var plan = BenchPlan(backends: ["\(server)", "memory"], directory: try scratch())
        plan.budget = .iterations(30)
        plan.rounds = 1
        plan.warmup = 3
        plan.ops = ["raw.roundtrip", "cache.hit", "lease.acquire_release", "sweep.expired_20"]
        plan.sweepSizes = [20]
        plan.sweepRepeats = 2
        if let workers {
            plan.workers = workers
            plan.workerCommand = [WorkerProcess.path, "bench-worker"]
        }
        return plan
    }

    func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "pg-bench-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Rows of `backend` by operation and worker count.
    func counts(_ outcome: BenchOutcome, _ backend: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in outcome.report.results where row.backend == backend { counts["\(row.op)@\(row.workers)"] = Int(row.count) }
        return counts
    }

    @Test func inThisProcessEveryOperationIsMeasuredBesideTheRoundTripFloor() throws {
        let plan = try plan(nil)
        let outcome = try BenchSession.run(plan, history: try BenchHistory(path: nil))
        let server = "\(try ScratchPostgres.serverURL())"
        #expect(counts(outcome, server) == [
            "raw.roundtrip@1": 30, "cache.hit@1": 30, "lease.acquire_release@1": 30, "sweep.expired_20@1": 2,
        ])
        #expect(outcome.report.results.first { $0.backend == server }?.durability == "server")
        // Memory has no floor: its rows are the core's operations only.
        #expect(counts(outcome, "memory")["raw.roundtrip@1"] == nil && counts(outcome, "memory")["cache.hit@1"] == 30)
    }

    @Test func workerProcessesOfAWorkerKitWorkerShareTheRunsDatabase() throws {
        let plan = try plan([1, 2])
        let outcome = try BenchSession.run(plan, history: try BenchHistory(path: nil))
        let server = "\(try ScratchPostgres.serverURL())"
        #expect(counts(outcome, server) == [
            "raw.roundtrip@1": 30, "cache.hit@1": 30, "lease.acquire_release@1": 30,
            "raw.roundtrip@2": 60, "cache.hit@2": 60, "lease.acquire_release@2": 60, "sweep.expired_20@1": 2,
        ])
        #expect(outcome.report.meta["worker"]?.description.hasSuffix("ordeal-worker bench-worker") == true)
        // The workers opened a database of the run, not the server's `postgres` database.
        #expect(outcome.report.meta["opened_as.\(server)"]?.description.contains("/ordeal_bench_") == true)
    }
}
