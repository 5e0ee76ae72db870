import OrdealSupport
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
    /// SIGKILL to the worker, then, while it is down, one byte of its last acknowledged snapshot
    /// flipped where the data files store it (as Jepsen's file-corruption nemesis does), or of
    /// the artifact that checkpoint's evidence names (`of: artifact`); the worker restarts per
    /// its policy and must resume from the checkpoint before.
    case corrupt
    /// A toxic of the network-fault proxy between the target and a server backend (latency, a
    /// partition either or one way, a reset, refused connections), until healed.
    case network
    /// A command of the scenario's own, run to its end (e.g. `bash ci/postgres.sh restart`,
    /// which kills the PostgreSQL server as a crash would and starts it again).
    case command

    /// Whether the fault needs the shim in the target.
    public var usesShim: Bool { traits.shimSlot != nil }

    /// Everything the runner, the loader and the checkers need to know of the kind: one
    /// descriptor per kind, so a new kind is declared here once.
    public var traits: FaultTraits {
        switch self {
        case .kill: FaultTraits(killsWorker: true)
        case .pause: FaultTraits(takesDuration: true)
        case .diskFull:
            FaultTraits(takesDuration: true, reachesLocalFilesOnly: true, optionKeys: ["errno", "budget"], shimSlot: .diskFull)
        case .ioError:
            FaultTraits(takesDuration: true, reachesLocalFilesOnly: true, optionKeys: ["calls", "count"], shimSlot: .ioError)
        case .clockSkew:
            FaultTraits(takesDuration: true, optionKeys: ["offset", "mode", "period", "rate", "clocks"], shimSlot: .clock)
        case .powerLoss: FaultTraits(killsWorker: true, reachesLocalFilesOnly: true, shimSlot: .powerLoss)
        case .corrupt: FaultTraits(killsWorker: true, reachesLocalFilesOnly: true, optionKeys: ["of"])
        case .network: FaultTraits(takesDuration: true, reachesServerOnly: true, optionKeys: ["toxic", "direction", "latency", "spread", "rate", "size", "interval"])
        case .command: FaultTraits(optionKeys: ["run"])
        }
    }

    /// Whether a recorded `fault` event's `kind` names a kind that kills its worker.
    public static func killsWorker(named name: String?) -> Bool {
        name.flatMap(FaultKind.init(rawValue:))?.traits.killsWorker ?? false
    }
}

/// What a fault kind does, as the rest of Ordeal needs to know it.
public struct FaultTraits: Sendable, Hashable {
    /// The worker dies of it (SIGKILL): its incarnation ends, a restart may follow.
    public var killsWorker = false
    /// It lasts a while (`duration:`) and then heals.
    public var takesDuration = false
    /// It acts on a worker's own files, so it cannot reach a server backend's.
    public var reachesLocalFilesOnly = false
    /// It acts on the link to a server backend, so it has nothing to act on with an embedded one.
    public var reachesServerOnly = false
    /// The scenario-file keys of the kind's own options.
    public var optionKeys: [String] = []
    /// The shim's statistics slot that counts the calls it hit; nil for a kind without the shim.
    public var shimSlot: ShimSlot?
}

/// The fault shim's per-kind statistics slots (the control block's `stats` array, in order).
public enum ShimSlot: Int, Sendable, Hashable, CaseIterable {
    case diskFull = 0, ioError, clock, powerLoss
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

/// What a `corrupt` fault damages: the stored snapshot of the target's last acknowledged
/// checkpoint, or the artifact that checkpoint's evidence vouches for (the value's `artifact`).
public enum CorruptTarget: String, Sendable, Hashable, CaseIterable {
    case snapshot, artifact
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
    case corrupt(of: CorruptTarget)
    /// The argv of a `command` fault (found in PATH, run from the current folder).
    case command([String])
    case network(Toxic)
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
    /// For `after_ops`: the fault fires a time drawn from the seed in 0...jitter after its count
    /// is reached, so that it lands inside the next operation rather than just after the
    /// acknowledgement that triggered it (`jitter: 20ms`).
    public var jitterMillis: Int64 = 0
    public var options: FaultOptions

    public init(
        kind: FaultKind, target: String, trigger: Trigger, durationMillis: Int64 = 0, restartDelayMillis: Int64 = 0,
        jitterMillis: Int64 = 0, options: FaultOptions = .none
    ) {
        self.jitterMillis = jitterMillis
        self.kind = kind
        self.target = target
        self.trigger = trigger
        self.durationMillis = durationMillis
        self.restartDelayMillis = restartDelayMillis
        self.options = options
    }
}
