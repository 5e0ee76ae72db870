import BenchKit
/// Everything one `ordeal bench` run measures, decided before anything runs.
public struct BenchPlan: Sendable {
    /// Backend specs, in column order; ratios are to the first.
    public var backends: [String]
    /// Per backend and operation (and, with workers, per worker), split over the rounds.
    public var budget: BenchBudget = .iterations(20_000)
    /// Unmeasured operations per backend and operation (per worker process) before measuring.
    public var warmup = 2_000
    /// How many blocks each measurement is split into, interleaved across backends and
    /// operations so that machine drift hits all alike.
    public var rounds = 20
    public var loop: LoopMode = .closed
    /// Only these operations (all when nil).
    public var ops: Set<String>?
    /// Expired-lease counts to sweep, each measured `sweepRepeats` times (in-process runs only).
    public var sweepSizes = [100, 1_000, 10_000]
    public var sweepRepeats = 5
    /// Worker-process counts to sweep (nil: one, when there is a worker command).
    public var workers: [Int]?
    /// Scratch directory for the databases (fresh files, removed by the caller).
    public var directory: String
    /// How to start worker processes: each command (an executable, its arguments and
    /// `bench-worker`: `ordeal bench-worker`, a WorkerKit binary of the user's, or a worker in
    /// any language speaking docs/bench-worker-protocol.md) measures every backend, side by
    /// side. Empty: everything is measured in this process.
    public var workerCommands: [[String]] = []

    /// The one worker command (setting it replaces them all); empty when there is none.
    public var workerCommand: [String] {
        get { workerCommands.first ?? [] }
        set { workerCommands = newValue.isEmpty ? [] : [newValue] }
    }
    /// Goes into every id the run creates (tasks, work items), so runs against a database that
    /// outlives them (a server backend) never collide with an earlier run's rows.
    public var runTag = String(UInt32.random(in: .min ... .max), radix: 36)

    public init(backends: [String], directory: String) {
        self.backends = backends
        self.directory = directory
    }

    /// Whether `op` is measured. A backend's floor always is, with `--ops` too: it is what
    /// every ratio and target of the run is measured against.
    func includes(_ op: String) -> Bool { BenchFloor.names.contains(op) || (ops?.contains(op) ?? true) }

    /// The budget of one block of one round.
    func block(round: Int) -> BenchBudget {
        switch budget {
        case .iterations(let n):
            let base = n / rounds
            return .iterations(base + (round < n % rounds ? 1 : 0))
        case .duration(let nanos):
            return .duration(nanos: nanos / UInt64(rounds))
        }
    }

    /// The plan's description for the report's meta.
    var meta: [String: MetaValue] {
        var m: [String: MetaValue] = [
            "loop": .text(loop.name), "rounds": .integer(rounds), "warmup": .integer(warmup), "backends": .texts(backends),
            "agent_mix": .text(AgentMix.proportion),
            "workers": .integers(workers ?? [1]),
            "workers_in": .text(workerCommands.isEmpty ? "this process" : "worker processes"),
        ]
        switch budget {
        case .iterations(let n): m["iterations"] = .integer(n)
        case .duration(let nanos): m["duration_s"] = .number(Double(nanos) / 1e9)
        }
        return m
    }
}
