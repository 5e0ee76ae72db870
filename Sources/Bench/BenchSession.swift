import OrdealSystem
import BenchKit
import OrdealSupport
import RecoveryCore

/// What a run produced.
public struct BenchOutcome: Sendable {
    public var report: BenchReport
    public var histograms: [BenchHistogram]
    /// Peak resident set size of the runner (`VmHWM`), KiB; nil where it cannot be read.
    public var peakResidentKiB: Int?
    /// The largest peak resident set size of any worker process, KiB (0 without workers).
    public var largestWorkerKiB: Int
    /// At the end of the run: anonymous memory (heap, stacks, SQLite's page cache) and mapped
    /// file pages (the executable, its libraries, any database SQLite maps), KiB.
    public var residentAnonKiB: Int? = nil
    public var residentFileKiB: Int? = nil
}

/// One `ordeal bench` run: opens every backend, runs each one's load phase (timed, apart from
/// the measurement), then measures in this process or with worker processes.
public enum BenchSession {
    public static func run(_ plan: BenchPlan, history: BenchHistory, progress: (String) -> Void = { _ in }) throws -> BenchOutcome {
        try plan.validate()
        var meta = plan.meta
        var cells = BenchCells()
        if plan.workerCommands.isEmpty {
            var targets: [BenchTarget] = []
            var workloads: [[Workload]] = []
            for spec in plan.backends {
                let watch = Stopwatch()
                let target = try BenchBackends.open(spec, file: plan.directory + "/" + BenchBackends.fileName(for: spec))
                let list = try Workloads.make(backend: target.backend, floor: target.floor, tag: "\(plan.runTag)-main")
                    .filter { plan.includes($0.name) }
                target.afterLoad?()
                try history.load(backend: target.spec, millis: watch.elapsedMillis)
                meta["load_phase_ms.\(target.spec)"] = .number(watch.elapsedMillis)
                progress("load phase on \(target.spec): \(fmt(watch.elapsedMillis)) ms (not measured)")
                targets.append(target)
                workloads.append(list)
            }
            try InProcessBench(plan: plan, targets: targets, workloads: workloads, history: history).run(into: &cells, progress: progress)
            try SweepBench(plan: plan, targets: targets, history: history).run(into: &cells, progress: progress)
        } else {
            let bench = ProcessBench(plan: plan, history: history)
            let targets = try plan.workerCommands.indices.flatMap { w in
                try plan.backends.map { try bench.prepare($0, worker: w, progress: progress) }
            }
            let columns = targets.map(\.spec)
            if let twice = columns.first(where: { c in columns.filter { $0 == c }.count > 1 }) {
                throw BenchError(
                    .badOption,
                    "two worker commands describe the same backend \(twice); a worker of your own must name its core in its --describe spec (e.g. my-core:sqlite-normal)")
            }
            if let ops = plan.ops {
                let sweeps = targets.contains { $0.description.sweeps == true }
                let described = Set(targets.flatMap(\.description.ops) + (sweeps ? plan.sweepSizes.map { Workloads.sweepPrefix + "\($0)" } : []))
                for op in ops.sorted() where !described.contains(op) {
                    throw BenchError(.badOption, "--ops names \(op), which no worker describes; valid: \(described.sorted().joined(separator: ", "))")
                }
            }
            for target in targets {
                meta["load_phase_ms.\(target.spec)"] = .number(target.description.loadMillis)
                meta["opened_as.\(target.spec)"] = .text(target.description.spec)
            }
            meta["worker"] = .texts(plan.workerCommands.map { $0.joined(separator: " ") })
            try bench.run(targets, into: &cells, progress: progress)
            meta["sweeps"] = "one worker process, one sweep at a time"
            if targets.contains(where: { !$0.shared }) {
                meta["note"] = "memory is private to each worker process: its workers share nothing"
            }
        }
        meta["sqlite"] = .text(SQLiteBackend.sqliteVersion)
        let peak = Posix.statusKiB("VmHWM")
        let workerPeak = Posix.largestChildPeakKiB()
        if let peak { meta["peak_rss_mib"] = .number(Double(peak) / 1024) }
        if !plan.workerCommand.isEmpty { meta["largest_worker_peak_rss_mib"] = .number(Double(workerPeak) / 1024) }
        return BenchOutcome(
            report: BenchReport(results: cells.rows, meta: meta), histograms: cells.histograms, peakResidentKiB: peak,
            largestWorkerKiB: workerPeak, residentAnonKiB: Posix.statusKiB("RssAnon"),
            residentFileKiB: Posix.statusKiB("RssFile"))
    }

    /// The peak-memory line every run prints.
    public static func memoryLine(_ outcome: BenchOutcome) -> String {
        func mib(_ kib: Int) -> String { fmt(Double(kib) / 1024) + " MiB" }
        var line = "peak RSS of the runner (VmHWM): " + (outcome.peakResidentKiB.map(mib) ?? "unknown")
        if let anon = outcome.residentAnonKiB, let file = outcome.residentFileKiB {
            line += " (at the end: \(mib(anon)) anonymous, \(mib(file)) mapped files: the executable, its libraries, any database SQLite maps)"
        }
        if outcome.largestWorkerKiB > 0 { line += "; largest worker process: \(fmt(Double(outcome.largestWorkerKiB) / 1024)) MiB" }
        return line
    }
}

extension BenchPlan {
    /// Every operation name this plan can run, for `--ops` errors.
    var knownOps: [String] { BenchFloor.names + Workloads.coreNames + sweepSizes.map { Workloads.sweepPrefix + "\($0)" } }

    /// Rejects a plan that cannot run, naming the flag and the fix.
    public func validate() throws(BenchError) {
        // With worker commands, the ops are what the workers describe: checked once they have.
        if let ops, workerCommands.isEmpty {
            for op in ops.sorted() where !knownOps.contains(op) {
                throw BenchError(.badOption, "--ops names \(op), which is not an operation; valid: \(knownOps.joined(separator: ", "))")
            }
        }
        if let workers, workers.isEmpty || workers.contains(where: { $0 < 1 }) {
            throw BenchError(.badOption, "--workers takes counts of 1 or more separated by commas, e.g. 1,2,4,8")
        }
        if workers != nil && workerCommand.isEmpty {
            throw BenchError(.badOption, "--workers needs the worker command (the ordeal executable or --worker PATH); none was given")
        }
        guard rounds >= 1 else { throw BenchError(.badOption, "--rounds must be at least 1") }
        if case .iterations(let n) = budget, n < rounds {
            throw BenchError(.badOption, "--iterations \(n) is fewer than --rounds \(rounds); give at least one operation per round")
        }
        if case .open(let rate) = loop, !(rate > 0 && rate.isFinite) {
            throw BenchError(.badOption, "--rate must be a positive number of operations per second, e.g. 5000")
        }
    }
}
