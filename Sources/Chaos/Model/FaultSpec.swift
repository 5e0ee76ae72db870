/// The faults a scenario can inject. `kill` and `pause` are signals; the others reach the worker
/// from below, through the C library, with the LD_PRELOAD fault shim (docs/faults.md).
public enum FaultKind: String, Sendable, Hashable, CaseIterable {
    /// SIGKILL to the worker's process group.
    case kill
    /// SIGSTOP, then SIGCONT after `durationMillis`.
    case pause
    /// ENOSPC (or EDQUOT) from writes to the data folder, until healed.
    case diskFull = "disk-full"
    /// EIO from writes, syncs or reads of the data folder, for a count of calls or a window.
    case ioError = "io-error"
    /// An offset on the worker's clocks (never the host's).
    case clockSkew = "clock-skew"
    /// SIGKILL to every worker, then every file rolled back to its last sync.
    case powerLoss = "power-loss"

    /// Whether the fault needs the shim in the target.
    public var usesShim: Bool { self != .kill && self != .pause }
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
    /// power-loss only: just before the worker's N-th sync of a file or folder of the data
    /// folder (the shim cuts the power itself, so the sync never happens).
    case syncPoint(SyncPoint)
}

public enum SyncPoint: Sendable, Hashable {
    case at(Int)
    /// Drawn from the seed in `min...max`.
    case random(min: Int, max: Int)
    /// One run per sync point 1...N (the suite expands the scenario; each run uses `.at(k)`).
    case enumerate(Int)
}

public enum IOCall: String, Sendable, Hashable, CaseIterable {
    case write, fsync, read
}

public enum ClockMode: String, Sendable, Hashable, CaseIterable {
    /// A constant offset from the moment of the fault.
    case jump
    /// The offset during every other period, none in between.
    case strobe
    /// The offset plus `rate` seconds per second since the fault.
    case drift
}

public enum SkewedClock: String, Sendable, Hashable, CaseIterable {
    case realtime, monotonic, boottime
}

/// The parameters of a fault beyond its kind, target and trigger.
public enum FaultOptions: Sendable, Hashable {
    case none
    /// `errno` is ENOSPC (28) or EDQUOT (122); writes pass until `budgetBytes` are used.
    case diskFull(errno: Int32, budgetBytes: Int64?)
    /// `count` calls fail (nil: every call until healed).
    case ioError(calls: [IOCall], count: Int64?)
    case clockSkew(offsetMillis: Int64, mode: ClockMode, periodMillis: Int64, rate: Double, clocks: [SkewedClock])
    case powerLoss
}

public struct FaultSpec: Sendable, Hashable {
    public var kind: FaultKind
    /// A group name (one instance drawn from the seed) or an instance name (`writer-0`).
    public var target: String
    public var trigger: Trigger
    /// For `pause`: how long the worker stays stopped. For disk-full, io-error and clock-skew:
    /// how long the fault lasts (0: until the worker ends).
    public var durationMillis: Int64
    /// For `kill` and `power-loss` with restart on-kill: the wait before the restart.
    public var restartDelayMillis: Int64
    public var options: FaultOptions

    public init(
        kind: FaultKind, target: String, trigger: Trigger, durationMillis: Int64 = 0, restartDelayMillis: Int64 = 0,
        options: FaultOptions = .none
    ) {
        self.kind = kind
        self.target = target
        self.trigger = trigger
        self.durationMillis = durationMillis
        self.restartDelayMillis = restartDelayMillis
        self.options = options
    }
}
