import NetFaults
import OrdealCheckers
import OrdealModel
import OrdealReports
import OrdealSystem
import Foundation
import OrdealSupport

/// Runs one scenario's workers and faults, recording the history as it goes, then reads the
/// final state with a reader worker. It judges nothing: the checkers do, afterwards.
final class ScenarioRun {
    struct Config {
        var scenario: Scenario
        var seed: UInt64
        /// `ordeal-worker`, for groups without a command of their own and for the reader.
        var workerPath: String
        var dataDirectory: String
        var historyPath: String
        var workersLogPath: String
        /// Called at most every 250 ms with a one-line status, for a terminal; nil in CI.
        var live: ((String) -> Void)?
        /// Loads the fault shim into every worker, even when no fault of the scenario needs it
        /// (to show that an inactive shim changes nothing).
        var shimAlways = false
        /// `--backend SPEC` for every worker and the reader (a database of the scenario's own on
        /// a server); nil: the SQLite file in the data folder.
        var backendSpec: String? = nil
    }

    struct Outcome {
        var history: History
        var final: FinalState?
        /// Harness problems: any makes the scenario `unknown`.
        var problems: [String]
        var faults: [FaultRecord]
        var durationMillis: Double
    }

    struct Instance {
        let name: String
        let group: WorkerGroup
        var incarnation = -1
        var process: WorkerProcess?
        var running = false
        var ready = false
        var paused = false
        var killedByFault = false
        var restartAtMillis: Double?
        var restartDelayMillis: Double = 0
        var saidDone = false
        /// Lines read from this incarnation, and the op lines among them (its done event must say so).
        var lines = 0
        var opsWritten = 0
        /// What its ready event declared.
        var identity: WorkerIdentity?
        var lastStatus: TerminationStatus?
        /// The last acknowledged op whose value carried `seq` and `snapshot` (and `artifact`, the
        /// file its evidence names, if any): what a `corrupt` fault damages.
        var lastSnapshot: (task: String, seq: Int64, text: String, artifact: String?)?
        var started = false
        var finished: Bool { started && !running && restartAtMillis == nil }
    }

    struct PendingFault {
        let index: Int
        let spec: FaultSpec
        let target: String
        var fireAtMillis: Double?
        var okCount = 0
        var firedAtMillis: Double?
        var healAtMillis: Double?
        var healedAtMillis: Double?
        var due = false
        /// A shim fault: the shim's count of its kind's hits when it fired.
        var hitsAtFire: Int64 = 0
        /// What the fault did, gathered when it healed.
        var effects: [String: JSONValue] = [:]
        /// The call sites the shim kept, symbolized only once the workers have ended (the
        /// symbolizer's processes must not slow a recovery being measured).
        var traces: [ShimTrace] = []
    }

    let config: Config
    let queue = EventQueue()
    let start = Stopwatch()
    var instances: [String: Instance] = [:]
    var order: [String] = []
    var faults: [PendingFault] = []
    var problems: [String] = []
    /// Lines of the workers' output that broke the worker protocol.
    var protocolViolations = 0
    var history: HistoryWriter!
    /// Per instance, when the shim is loaded: its control file.
    var shims: [String: ShimControl] = [:]
    var shimLibrary: String?
    /// A power cut under way: its fault, once every worker is down the files roll back.
    var pendingPowerCut: Int?
    /// Corrupt faults fired (their target killed) whose corruption waits for the target to be down.
    var pendingCorruptions: [Int] = []
    var random: SeededRandom
    /// The network-fault proxies, by instance (only when the scenario has network faults).
    var proxies: [String: FaultProxy] = [:]

    init(config: Config) {
        self.config = config
        self.random = SeededRandom(seed: config.seed)
    }

    func now() -> Double { start.elapsedMillis }

    var dbPath: String { config.dataDirectory + "/store.sqlite" }

    /// How every worker and the reader are told where the state lives.
    var backendArguments: [String] { backendArguments(spec: config.backendSpec) }

    func backendArguments(spec: String?) -> [String] {
        var out = ["--db", dbPath, "--effects", effectsPath, "--durability", config.scenario.durability.rawValue]
        if let spec { out += ["--backend", spec] }
        return out
    }
    /// Outside the data folder: effects stand for the outside world, which no disk or power fault
    /// of the worker's machine undoes.
    var effectsPath: String { (config.dataDirectory as NSString).deletingLastPathComponent + "/effects.txt" }

    func run() throws -> Outcome {
        history = try HistoryWriter(path: config.historyPath)
        let scenario = config.scenario
        for group in scenario.workers {
            for i in 0..<group.count {
                let name = group.instanceName(i)
                instances[name] = Instance(name: name, group: group)
                order.append(name)
            }
        }
        try record(["type": "note", "t_ms": .double(0), "note": .string("scenario \(scenario.name) seed \(config.seed)")])
        planFaults()
        try prepareShims()
        try prepareProxies()
        for group in scenario.workers where group.after == nil { try startGroup(group.name) }
        try loop()
        symbolizeTraces()
        let final = try readFinalState()
        try history.close()
        return Outcome(
            history: History(history.events), final: final, problems: problems,
            faults: faults.map {
                FaultRecord(
                    index: $0.index, kind: $0.spec.kind, target: $0.target, atMillis: $0.firedAtMillis, healedAtMillis: $0.healedAtMillis,
                    effects: $0.effects)
            }, durationMillis: now())
    }

    // MARK: Faults

    // MARK: Workers

    /// The command line of an instance; `{instance}` and `{index}` in a param's value become the
    /// instance's name and number, so a group can give each instance its own task, and `{data}`
    /// the scenario's data folder (where its files live, and where faults reach them).
    private func argv(for instance: Instance) -> [String] {
        let group = instance.group
        // A worker of the user's own runs behind `ordeal-worker exec`, which makes the kernel
        // kill it when the runner dies.
        var argv = group.command.map { [config.workerPath, "exec"] + $0 } ?? [config.workerPath]
        argv += [group.role] + backendArguments(spec: backendSpec(for: instance.name))
        let index = instance.name.split(separator: "-").last.map(String.init) ?? "0"
        for key in group.params.keys.sorted() {
            let value = group.params[key]!.replacingAll("{instance}", with: instance.name).replacingAll("{index}", with: index)
                .replacingAll("{data}", with: config.dataDirectory)
            argv += ["--\(key)", value]
        }
        return argv
    }

    private func startGroup(_ name: String) throws {
        for instance in order where instances[instance]!.group.name == name { try spawn(instance) }
    }

    func spawn(_ name: String) throws {
        var instance = instances[name]!
        instance.incarnation += 1
        instance.started = true
        instance.ready = false
        instance.saidDone = false
        instance.lines = 0
        instance.opsWritten = 0
        instance.identity = nil
        instance.killedByFault = false
        instance.restartAtMillis = nil
        let argv = argv(for: instance)
        let startMillis = start
        // The new incarnation's own process claims the shim's record (its children do not).
        shims[name]?.forgetLoaded()
        do {
            instance.process = try WorkerProcess(
                instance: name, incarnation: instance.incarnation, argv: argv, environment: workerEnvironment(for: name),
                stderrPath: config.workersLogPath,
                queue: queue, clock: { startMillis.elapsedMillis })
        } catch {
            problems.append("cannot start worker \(name) (\(argv.joined(separator: " "))): \(error)")
            instances[name] = instance
            return
        }
        instance.running = true
        instances[name] = instance
        try record([
            "type": "spawn", "t_ms": .double(instance.process!.spawnedAtMillis), "worker": .string(name),
            "group": .string(instance.group.name), "incarnation": .int(Int64(instance.incarnation)),
            "pid": .int(Int64(instance.process!.pid)),
        ])
    }

    func startDependents(of group: String) throws {
        let members = order.filter { instances[$0]!.group.name == group }
        guard members.allSatisfy({ instances[$0]!.finished }) else { return }
        let allOK = members.allSatisfy { instances[$0]!.lastStatus == .exited(0) }
        for dependent in config.scenario.workers where dependent.after == group {
            if allOK {
                try startGroup(dependent.name)
            } else {
                problems.append("group \(dependent.name) waits for \(group), whose workers did not all exit 0")
            }
        }
    }

    private func restartDue() throws {
        for name in order where !pendingCorruptions.contains(where: { faults[$0].target == name }) {
            if let at = instances[name]!.restartAtMillis, now() >= at { try spawn(name) }
        }
    }

    private var allDone: Bool {
        order.allSatisfy { instances[$0]!.finished || (!instances[$0]!.started && !canStillStart($0)) }
    }

    /// Whether an instance not started yet may still be: its `after` group has a worker that is
    /// running or may itself still start. A group whose `after` group never starts (it waits on
    /// a group that failed) cannot, so a chain of `after` groups ends with the failure instead of
    /// waiting for the timeout.
    private func canStillStart(_ name: String) -> Bool {
        guard let after = instances[name]!.group.after else { return false }
        return order.filter { instances[$0]!.group.name == after }.contains { member in
            let m = instances[member]!
            return m.started ? !m.finished : canStillStart(member)
        }
    }

    var acknowledged = 0
    private var lastLiveMillis = -1_000.0

    private func reportLive() {
        guard let live = config.live, now() - lastLiveMillis >= 250 else { return }
        lastLiveMillis = now()
        let running = order.filter { instances[$0]!.running }.count
        let fired = faults.filter { $0.firedAtMillis != nil }.count
        live("\(config.scenario.name): \(Int(now())) ms, \(Format.count(running, "worker")) running, \(Format.count(acknowledged, "op")) acknowledged, \(fired)/\(Format.count(faults.count, "fault"))")
    }

    private func loop() throws {
        let timeout = Double(config.scenario.timeoutMillis)
        while true {
            for signal in queue.drain(waitingUpTo: nextWaitMillis()) { try handle(signal) }
            try completePowerCut()
            try completeCorruptions()
            reportLive()
            try fireDueFaults()
            try restartDue()
            if allDone { break }
            if now() > timeout {
                problems.append("the scenario did not finish within its timeout of \(Int(timeout)) ms")
                try stopAll()
                break
            }
        }
        // A pause whose worker ended before the pause was due to end is healed here, so that
        // every fault in the history has its end.
        for i in faults.indices where faults[i].firedAtMillis != nil && faults[i].healedAtMillis == nil && faults[i].spec.kind == .pause {
            faults[i].healedAtMillis = now()
            try record([
                "type": "heal", "t_ms": .double(faults[i].healedAtMillis!), "kind": "pause",
                "worker": .string(faults[i].target), "fault": .int(Int64(i)), "note": "the worker ended while paused",
            ])
        }
        try healShimFaultsAtEnd()
        try closeProxies()
        for fault in faults where fault.firedAtMillis == nil {
            problems.append("fault \(fault.index) (\(fault.spec.kind.rawValue) \(fault.target)) never fired: its trigger was not reached while the target ran")
        }
        try history.flush()
    }

    private func nextWaitMillis() -> Double {
        var wait = 20.0
        let t = now()
        for fault in faults {
            if fault.firedAtMillis == nil, let at = fault.fireAtMillis { wait = min(wait, at - t) }
            if fault.healedAtMillis == nil, let at = fault.healAtMillis { wait = min(wait, at - t) }
        }
        for name in order { if let at = instances[name]!.restartAtMillis { wait = min(wait, at - t) } }
        return max(wait, 0)
    }

    /// Kills every running worker (continuing paused ones first) and waits for their exits.
    func stopAll() throws {
        for name in order where instances[name]!.running {
            try? instances[name]!.process?.signal(9)
            instances[name]!.killedByFault = false
            instances[name]!.restartAtMillis = nil
        }
        let deadline = now() + 5_000
        while order.contains(where: { instances[$0]!.running }) && now() < deadline {
            for signal in queue.drain(waitingUpTo: 20) {
                if case .exit(let name, _, _, _) = signal { instances[name]?.running = false }
                try? handleQuietly(signal)
            }
        }
    }

    func handleQuietly(_ signal: WorkerSignal) throws {
        if case .line = signal { try handle(signal) }
    }

    func record(_ fields: [String: JSONValue]) throws { try history.record(fields) }

    func harnessProblem(_ message: String) -> FinalState? {
        problems.append(message)
        return nil
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            out += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
