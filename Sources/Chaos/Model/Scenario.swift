import RecoveryCore

/// A scenario as data: what `ScenarioLoader` makes of a YAML file (docs/scenario-format.md).
public struct Scenario: Sendable, Hashable {
    public var name: String
    public var description: String
    /// The file it came from (for messages and the report).
    public var sourcePath: String
    public var seed: UInt64
    public var backend: String
    public var durability: Durability
    public var timeoutMillis: Int64
    public var livenessMillis: Int64
    public var workers: [WorkerGroup]
    public var faults: [FaultSpec]
    public var checks: [String]
    public var thresholds: [Threshold]

    public init(
        name: String, description: String = "", sourcePath: String = "", seed: UInt64 = 0, backend: String = "sqlite",
        durability: Durability = .normal, timeoutMillis: Int64 = 60_000, livenessMillis: Int64 = 10_000,
        workers: [WorkerGroup], faults: [FaultSpec] = [], checks: [String] = [], thresholds: [Threshold] = []
    ) {
        self.name = name
        self.description = description
        self.sourcePath = sourcePath
        self.seed = seed
        self.backend = backend
        self.durability = durability
        self.timeoutMillis = timeoutMillis
        self.livenessMillis = livenessMillis
        self.workers = workers
        self.faults = faults
        self.checks = checks
        self.thresholds = thresholds
    }
}

public enum RestartPolicy: String, Sendable, Hashable, CaseIterable {
    case never
    case onKill = "on-kill"
}

/// `count` instances of one role, named `name-0`, `name-1`, ...
public struct WorkerGroup: Sendable, Hashable {
    public var name: String
    public var role: String
    public var count: Int
    /// A worker of the user's own (argv); nil runs `ordeal-worker ROLE`.
    public var command: [String]?
    /// Passed as `--KEY VALUE`, in key order.
    public var params: [String: String]
    public var restart: RestartPolicy
    /// Start only once every worker of this group has exited 0.
    public var after: String?

    public init(
        name: String, role: String, count: Int = 1, command: [String]? = nil, params: [String: String] = [:],
        restart: RestartPolicy = .onKill, after: String? = nil
    ) {
        self.name = name
        self.role = role
        self.count = count
        self.command = command
        self.params = params
        self.restart = restart
        self.after = after
    }

    public func instanceName(_ index: Int) -> String { "\(name)-\(index)" }
}

public enum FaultKind: String, Sendable, Hashable, CaseIterable {
    /// SIGKILL to the worker's process group.
    case kill
    /// SIGSTOP, then SIGCONT after `durationMillis`.
    case pause
}

/// When a fault fires. Triggers come from the event stream or the scenario clock, never from
/// sleeps in the worker.
public enum Trigger: Sendable, Hashable {
    /// After `count` acknowledged ops of the target group (only `op` when given).
    case afterOps(count: Int, op: String?)
    /// At this many milliseconds after the scenario started.
    case atMillis(Int64)
    /// At a time drawn from the seed in `min...max` milliseconds.
    case random(minMillis: Int64, maxMillis: Int64)
}

public struct FaultSpec: Sendable, Hashable {
    public var kind: FaultKind
    /// A group name (one instance drawn from the seed) or an instance name (`writer-0`).
    public var target: String
    public var trigger: Trigger
    /// For `pause`: how long the worker stays stopped.
    public var durationMillis: Int64
    /// For `kill` with restart on-kill: the wait before the restart.
    public var restartDelayMillis: Int64

    public init(kind: FaultKind, target: String, trigger: Trigger, durationMillis: Int64 = 0, restartDelayMillis: Int64 = 0) {
        self.kind = kind
        self.target = target
        self.trigger = trigger
        self.durationMillis = durationMillis
        self.restartDelayMillis = restartDelayMillis
    }
}

public enum Percentile: String, Sendable, Hashable, CaseIterable {
    case p50, p95, p99, p999, max
}

/// A latency limit: for an op of the history (or `worker.ready`), or for recovery time.
public struct Threshold: Sendable, Hashable {
    public enum Subject: Sendable, Hashable {
        case op(String)
        case recovery
    }

    public var subject: Subject
    public var percentile: Percentile
    public var maxMicros: Double

    public init(subject: Subject, percentile: Percentile, maxMicros: Double) {
        self.subject = subject
        self.percentile = percentile
        self.maxMicros = maxMicros
    }
}
