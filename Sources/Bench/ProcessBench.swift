import OrdealSupport
import Backends
import BenchKit
import OrdealSystem
import Foundation
import PostgresBackend

/// A backend as worker processes open it: what the runner passes them and what they said of it.
struct WorkerTarget {
    /// The spec as given: the column name (a password redacted).
    let spec: String
    let durability: String
    /// `--backend` and `--db` of every worker of this backend.
    let backend: String
    let database: String?
    /// What `--describe` answered.
    let description: WorkerDescription
    /// False for memory: each worker process has a private store.
    let shared: Bool
    /// The worker command (of the plan's) that measures it.
    let command: [String]
}

/// Measures with real worker processes (`ordeal bench-worker`, or `bench-worker` of the user's
/// own worker given by `--worker PATH`): each backend is described by one worker process (which
/// runs the load phase), then for every worker count, backend and operation (in rounds,
/// interleaved) N processes open the same store, warm up, report `ready`, start together on a
/// signal, and each writes its whole histogram. The histograms are merged; throughput is all
/// operations over the span from the first start to the last end (one `CLOCK_MONOTONIC` for all
/// processes). Sweeps run last, in one worker process per backend.
struct ProcessBench {
    let plan: BenchPlan
    let history: BenchHistory

    /// Prepares `spec` for worker processes and has one describe it (timed: the load phase).
    /// With several worker commands, the column of a worker's own core is the spec its
    /// description names, and each command gets its own files.
    func prepare(_ spec: String, worker: Int = 0, progress: (String) -> Void) throws -> WorkerTarget {
        let command = plan.workerCommands[worker]
        let prefix = worker == 0 ? "" : "w\(worker)-"
        let durability = try BenchBackends.durability(of: spec, custom: true)
        let parsed = try BackendSpec.parse(spec)
        var backend = spec
        var database: String?
        switch parsed {
        case .postgres: backend = try BenchBackends.newDatabase(on: spec).connectionString
        case .memory: break
        case .custom:
            let folder = plan.directory + "/" + prefix + BenchBackends.dataName(for: spec)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            backend = BackendSpec.substitutingData(in: spec, with: folder)
        case .sqlite: database = plan.directory + "/" + prefix + BenchBackends.fileName(for: spec)
        }
        let requested = PostgresURL.redactingPassword(spec)
        let options = BenchWorker.Options(backend: backend, database: database, op: nil, tag: "\(plan.runTag)-describe")
        let child = try start(options, command: command, label: "describe-\(prefix)\(BenchBackends.dataName(for: spec))")
        guard let line = try child.process.readLine(), let description = try? WorkerDescription.decode(line) else {
            throw failed(child, requested, "describe", "it wrote no description of the backend (a JSON WorkerDescription line, docs/bench-worker-protocol.md)")
        }
        let shown = plan.workerCommands.count > 1 && description.spec != spec ? description.spec : requested
        try finish(child, shown, "describe")
        try history.load(backend: shown, millis: description.loadMillis)
        progress("load phase on \(shown): \(fmt(description.loadMillis)) ms in a worker process (not measured)")
        return WorkerTarget(
            spec: shown, durability: durability, backend: backend, database: database, description: description,
            shared: parsed != .memory, command: command)
    }

    /// The operations of `target` this plan measures in rounds, floor first.
    func ops(_ target: WorkerTarget) -> [String] { target.description.ops.filter(plan.includes) }

    func run(_ targets: [WorkerTarget], into cells: inout BenchCells, progress: (String) -> Void) throws {
        for round in 0..<plan.rounds {
            for workers in plan.workers ?? [1] {
                for target in targets {
                    for op in ops(target) {
                        let key = BenchKey(backend: target.spec, workers: workers, op: op, loop: plan.loop.name)
                        let (histogram, outcome) = try group(
                            workers: workers, target: target, op: op, budget: plan.block(round: round), warmup: plan.warmup,
                            label: "n\(workers)-r\(round)")
                        cells.add(key, durability: target.durability, histogram: histogram, wallNanos: outcome.wallNanos)
                        try history.block(round: round, key: key, outcome: outcome, histogram: histogram)
                    }
                }
                progress("round \(round + 1)/\(plan.rounds): \(workers) worker process\(workers == 1 ? "" : "es") done")
            }
        }
        for size in plan.sweepSizes where plan.includes(Workloads.sweepPrefix + "\(size)") {
            progress("sweep of \(size) expired leases, \(plan.sweepRepeats) times on each backend, in one worker process")
            let op = Workloads.sweepPrefix + "\(size)"
            // Only a worker that describes sweeps (a WorkerKit worker) is asked for one.
            for target in targets where target.description.sweeps == true {
                // One sweep at a time: each is one pass, measured alone (a warm-up sweep first).
                let (histogram, outcome) = try group(
                    workers: 1, target: target, op: op, budget: .iterations(plan.sweepRepeats), warmup: 1, label: "sweep")
                let key = BenchKey(backend: target.spec, workers: 1, op: op, loop: "closed")
                cells.add(key, durability: target.durability, histogram: histogram, wallNanos: outcome.wallNanos)
                try history.block(round: 0, key: key, outcome: outcome, histogram: histogram)
            }
        }
    }

    private struct Child {
        let process: ChildProcess
        let stderr: String
        let command: [String]
    }

    private func start(_ options: BenchWorker.Options, command: [String], label: String) throws -> Child {
        let stderr = plan.directory + "/worker-\(plan.runTag)-\(label).stderr"
        let argv = command + options.arguments
        do {
            return Child(process: try ChildProcess(argv, stderrPath: stderr), stderr: stderr, command: command)
        } catch {
            throw BenchError(.workerFailed, "cannot start the bench worker \(argv[0]): \(error)")
        }
    }

    private func finish(_ child: Child, _ spec: String, _ op: String) throws {
        let status = try child.process.wait()
        guard status == .exited(0) else { throw failed(child, spec, op, "it \(status)") }
        try? FileManager.default.removeItem(atPath: child.stderr)
    }

    private func group(
        workers: Int, target: WorkerTarget, op: String, budget: BenchBudget, warmup: Int, label: String
    ) throws -> (LatencyHistogram, BlockOutcome) {
        var children: [Child] = []
        for i in 0..<workers {
            let tag = "\(plan.runTag)-\(label)-w\(i)-\(op)"
            let options = BenchWorker.Options(
                backend: target.backend, database: target.database, op: op, tag: tag, budget: budget, warmup: warmup,
                loop: Workloads.sweepSize(op) == nil ? plan.loop : .closed)
            children.append(try start(options, command: target.command, label: "\(BenchBackends.dataName(for: target.spec))-\(tag)"))
        }
        for child in children {
            guard try child.process.readLine() == "ready" else { throw failed(child, target.spec, op, "it never reported ready") }
        }
        for child in children { try child.process.kill(BenchWorker.startSignal) }
        var merged = LatencyHistogram()
        var outcome = BlockOutcome(count: 0, wallNanos: 0, startNanos: .max, endNanos: 0)
        for child in children {
            guard let line = try child.process.readLine() else { throw failed(child, target.spec, op, "it wrote no result") }
            let result: WorkerResult
            do { result = try WorkerResult.decode(line) } catch {
                throw failed(child, target.spec, op, "its result line is not a WorkerResult (docs/bench-worker-protocol.md): \(error)")
            }
            try finish(child, target.spec, op)
            merged.merge(result.histogram)
            outcome.count += result.count
            outcome.startNanos = min(outcome.startNanos, result.startNanos)
            outcome.endNanos = max(outcome.endNanos, result.endNanos)
        }
        outcome.wallNanos = outcome.endNanos > outcome.startNanos ? outcome.endNanos - outcome.startNanos : 0
        return (merged, outcome)
    }

    private func failed(_ child: Child, _ spec: String, _ op: String, _ what: String) -> BenchError {
        try? child.process.kill(9)
        let status = (try? child.process.wait()).map { " (\($0))" } ?? ""
        let text = (try? String(contentsOfFile: child.stderr, encoding: .utf8)) ?? ""
        let tail = text.split(separator: "\n").suffix(3).joined(separator: " | ")
        return BenchError(
            .workerFailed,
            "a bench worker (\(child.command.joined(separator: " "))) for \(op) on \(spec) failed: \(what)\(status); its stderr (\(child.stderr)): \(tail.isEmpty ? "empty" : tail)")
    }
}
