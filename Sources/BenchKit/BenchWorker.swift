import OrdealSystem
import Foundation
import OrdealSupport
import RecoveryCore

/// The worker side of a benchmark with worker processes: `ordeal bench-worker`, and
/// `bench-worker` of every worker built on WorkerKit (so `ordeal bench --worker PATH` measures a
/// backend of the user's own in the user's own binary).
///
/// The protocol, one JSON line or word per line on standard output:
/// - `--describe`: opens the backend, runs the load phase, writes a `WorkerDescription` (the
///   operations it can measure, its floor first) and exits.
/// - `--op NAME`: opens the backend, runs the load phase and the warm-up, writes `ready`, waits
///   for the start signal (SIGUSR1), measures and writes a `WorkerResult`: its whole histogram
///   and its span on `CLOCK_MONOTONIC`, which every process of the machine shares.
/// Exit status: 0 done, 1 an operation failed, 2 bad arguments.
public enum BenchWorker {
    /// Opens the backend a spec names; `database` is the file of a `sqlite:` spec.
    public typealias Opener = (_ spec: String, _ database: String?) throws -> any RecoveryBackend

    /// The signal that starts every worker of a group at once.
    public static var startSignal: Int32 { BenchKitPosix.startSignal }

    /// Runs the worker on `arguments` (those after `bench-worker`) and returns its exit status;
    /// errors go to `fail`, one line each.
    public static func main(arguments: [String], open: Opener, write: (String) -> Void, fail: (String) -> Void) -> Int32 {
        let options: Options
        do {
            options = try Options(arguments: arguments)
        } catch {
            fail("bench-worker: \(error.message)")
            return 2
        }
        do {
            try run(options, open: open, write: write)
            return 0
        } catch let error as BenchError where error.isBadInput {
            fail("bench-worker: \(error.message)")
            return 2
        } catch {
            fail("bench-worker: \(options.op ?? "--describe") on \(options.backend) failed: \(error)")
            return 1
        }
    }

    public static func run(_ options: Options, open: Opener, write: (String) -> Void) throws {
        BenchKitPosix.blockStartSignal()
        // Die with the runner: a worker never outlives it, even one killed with SIGKILL.
        guard Posix.dieWithParent() else {
            throw BenchError(.workerFailed, "prctl(PR_SET_PDEATHSIG) failed, so this worker could outlive its runner")
        }
        let backend = try open(options.backend, options.database)
        let watch = Stopwatch()
        let floor = try BenchFloor.of(backend)
        guard let op = options.op else {
            let workloads = try Workloads.make(backend: backend, floor: floor, tag: options.tag)
            let description = WorkerDescription(
                spec: backend.spec, floor: floor?.name, ops: workloads.map(\.name), loadMillis: watch.elapsedMillis, sweeps: true)
            write(try description.encoded())
            return
        }
        let workload: Workload
        if let size = Workloads.sweepSize(op) {
            workload = Workloads.sweep(size: size, backend: backend, tag: options.tag)
        } else {
            let workloads = try Workloads.make(backend: backend, floor: floor, tag: options.tag)
            guard let found = workloads.first(where: { $0.name == op }) else {
                throw BenchError(
                    .badOption, "--op \(op) is not an operation of \(options.backend); valid: "
                        + (workloads.map(\.name) + [Workloads.sweepPrefix + "N"]).joined(separator: ", "))
            }
            workload = found
        }
        for i in 0..<options.warmup { try workload.run(i) }
        write("ready")
        BenchKitPosix.waitForStartSignal()
        var histogram = LatencyHistogram()
        let outcome = try LoadLoop.run(
            first: options.warmup, budget: options.budget, mode: options.loop, histogram: &histogram,
            prepare: workload.prepare, op: workload.op)
        let result = WorkerResult(
            count: outcome.count, startNanos: outcome.startNanos, endNanos: outcome.endNanos, histogram: histogram)
        write(try result.encoded())
    }
}

/// What `bench-worker --describe` writes: the backend as it names itself, its floor, and the
/// operations it can measure (floor first; sweeps are always possible and not listed).
public struct WorkerDescription: Codable, Sendable, Equatable {
    public var spec: String
    public var floor: String?
    public var ops: [String]
    /// How long opening the backend and its load phase took.
    public var loadMillis: Double
    /// True when the worker also measures `sweep.expired_N` (a sweep of N expired leases,
    /// outside the rounds); absent, as from a worker of the user's own: it does not.
    public var sweeps: Bool?

    public func encoded() throws -> String { String(decoding: try JSONEncoder().encode(self), as: UTF8.self) }

    public static func decode(_ line: String) throws -> WorkerDescription {
        try JSONDecoder().decode(WorkerDescription.self, from: Data(line.utf8))
    }
}

/// What a worker process writes as its last line: its whole histogram and its span. A worker
/// in another language may give its latencies as raw samples instead (`samplesNanos`, one per
/// operation, `count` of them): they are recorded into the same HDR histogram here
/// (docs/bench-worker-protocol.md).
public struct WorkerResult: Codable, Sendable {
    public var count: Int
    public var startNanos: UInt64
    public var endNanos: UInt64
    public var histogram: LatencyHistogram

    public init(count: Int, startNanos: UInt64, endNanos: UInt64, histogram: LatencyHistogram) {
        self.count = count
        self.startNanos = startNanos
        self.endNanos = endNanos
        self.histogram = histogram
    }

    private enum CodingKeys: String, CodingKey { case count, startNanos, endNanos, histogram, samplesNanos }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        count = try c.decode(Int.self, forKey: .count)
        startNanos = try c.decode(UInt64.self, forKey: .startNanos)
        endNanos = try c.decode(UInt64.self, forKey: .endNanos)
        if let histogram = try c.decodeIfPresent(LatencyHistogram.self, forKey: .histogram) {
            self.histogram = histogram
        } else {
            let samples = try c.decode([UInt64].self, forKey: .samplesNanos)
            guard samples.count == count else {
                throw DecodingError.dataCorruptedError(
                    forKey: .samplesNanos, in: c, debugDescription: "\(samples.count) samples for a count of \(count); give one per operation")
            }
            histogram = LatencyHistogram()
            for sample in samples { histogram.record(nanos: sample) }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(count, forKey: .count)
        try c.encode(startNanos, forKey: .startNanos)
        try c.encode(endNanos, forKey: .endNanos)
        try c.encode(histogram, forKey: .histogram)
    }

    public func encoded() throws -> String { String(decoding: try JSONEncoder().encode(self), as: UTF8.self) }

    public static func decode(_ line: String) throws -> WorkerResult {
        try JSONDecoder().decode(WorkerResult.self, from: Data(line.utf8))
    }
}
