import OrdealSupport

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
    /// Checks expected to fail: known limitations (docs/scenario-format.md). The run passes
    /// when each fails as declared; one that holds is reported.
    public var expectedFailures: [ExpectedFailure] = []
    /// The work its workers must acknowledge (`expect:`), judged by `expected-work`.
    public var expectations: [WorkExpectation] = []
    /// What must have happened for the checks to mean anything (`premises:`), judged by
    /// `PremiseChecker`: one that did not hold makes the scenario `unknown`.
    public var premises: [Premise] = []
    /// The group whose command reads the final state (`reader:`); nil: the first group that
    /// names a command, or ordeal-worker when none does.
    public var readerGroup: String?

    /// The command of the end-of-run reader (nil: ordeal-worker) and the group it comes from.
    public var reader: (group: String?, command: [String]?) {
        if let name = readerGroup, let group = workers.first(where: { $0.name == name }) { return (name, group.command) }
        let first = workers.first { $0.command != nil }
        return (first?.name, first?.command)
    }
    /// The backends (`sqlite`, `postgres`, a custom scheme) the scenario is meant for; nil: any.
    /// On another it is not run, and the run says so.
    public var backends: [String]?

    /// Whether the scenario is meant for `backend` (`backends` names it, or names none).
    public func isMeant(for backend: String) -> Bool { backends?.contains(backend) ?? true }

    /// The thresholds that hold on the backend the scenario runs on.
    public var thresholdsOnItsBackend: [Threshold] { thresholds.filter { $0.backends?.contains(backend) ?? true } }

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
    /// Also after the worker exits non-zero (an operation failed): a fail-stop worker comes back.
    case onFailure = "on-failure"
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

/// A latency limit: for an op of the history (or `worker.ready`), or for recovery time.
public struct Threshold: Sendable, Hashable {
    public enum Subject: Sendable, Hashable {
        case op(String)
        case recovery
    }

    public var subject: Subject
    public var percentile: Percentile
    public var maxMicros: Double
    /// The backends the limit holds for (`on: [sqlite]`); nil: every backend.
    public var backends: [String]?

    public init(subject: Subject, percentile: Percentile, maxMicros: Double) {
        self.subject = subject
        self.percentile = percentile
        self.maxMicros = maxMicros
    }
}

/// A check declared to fail: a known limitation, with the reason a reader of the report sees.
public struct ExpectedFailure: Sendable, Hashable {
    public var check: String
    public var reason: String

    public init(check: String, reason: String) {
        self.check = check
        self.reason = reason
    }
}
