import OrdealSupport
import RecoveryCore

/// One measured operation: `op(i, prepared)` runs the i-th instance. `prepare(i)`, when given,
/// runs before the clock starts and hands its value to the op.
public struct Workload {
    public let name: String
    public let prepare: ((Int) throws -> Any)?
    public let op: (Int, Any?) throws -> Void

    init(name: String, op: @escaping (Int) throws -> Void) {
        self.name = name
        self.prepare = nil
        self.op = { i, _ in try op(i) }
    }

    init<Prepared>(name: String, prepare: @escaping (Int) throws -> Prepared, op: @escaping (Prepared) throws -> Void) {
        self.name = name
        self.prepare = { try prepare($0) }
        self.op = { _, value in try op(value as! Prepared) }
    }

    public func run(_ i: Int) throws { try op(i, try prepare?(i)) }
}

/// The per-operation workloads of `ordeal bench`, set up on one backend. Setup (the load
/// phase) is idempotent, so worker processes sharing a database only find what the first
/// one stored; `tag` keeps their own ids (tasks, work items) apart.
public enum Workloads {
    struct Miss: Error, CustomStringConvertible {
        let what: String
        var description: String { "benchmark invariant broken: \(what)" }
    }

    /// The core's operation names (the floor's, which depends on the backend, and the sweeps'
    /// are apart).
    public static let coreNames = [
        "checkpoint.commit", "checkpoint.workflow", "checkpoint.verify", "checkpoint.last_verified", "cache.hit",
        "ledger.replay", "lease.acquire_release", AgentMix.name,
    ]
    static let keys = 1_000
    static let exitEvidence = EvidencePack([.commandExit(command: "step", expected: 0, observed: 0)])

    /// The floor (when `floor` is given) and every core operation on `backend`, after the load
    /// phase.
    public static func make(backend: any RecoveryBackend, floor: BenchFloor?, tag: String) throws -> [Workload] {
        let checkpoints = CheckpointManager(store: backend)
        let cache = LLMCache(store: backend)
        let ledger = ToolLedger(store: backend)
        let leases = LeaseManager(store: backend, holder: "bench-\(tag)", leaseMillis: 60_000)

        // Load phase: checkpoints to verify, cache entries and ledger results to hit.
        var verifyIDs = try backend.checkpoints(CheckpointQuery(taskID: "bench-verify", limit: 100)).map(\.id)
        while verifyIDs.count < 100 {
            let step = try checkpoints.beginStep(taskID: "bench-verify", type: .iterationEnd, snapshot: ["step": .int(Int64(verifyIDs.count))])
            verifyIDs.append(try checkpoints.commitStep(step, evidence: exitEvidence).id)
        }
        let prompts = (0..<keys).map { LLMRequest(operation: "plan", prompt: "prompt number \($0)", model: "bench-model", taskID: "bench") }
        let tools = (0..<keys).map { ToolRequest(tool: "bash", command: "echo \($0)", taskID: "bench") }
        for i in 0..<keys {
            _ = try cache.getOrGenerate(prompts[i]) { "{\"text\":\"answer \(i)\"}" }
            _ = try ledger.executeOrReplay(tools[i]) { "{\"exit\":0,\"stdout\":\"\(i)\"}" }
        }
        let pool = LeasePool(leases: leases, tag: tag)
        let cacheHit = { (i: Int) throws in
            guard try cache.getOrGenerate(prompts[i % keys], generate: { throw Miss(what: "cache miss") }).hit else {
                throw Miss(what: "cache miss")
            }
        }
        let ledgerReplay = { (i: Int) throws in
            guard try ledger.executeOrReplay(tools[i % keys], execute: { throw Miss(what: "tool ran") }).replayed else {
                throw Miss(what: "tool ran")
            }
        }
        let commit = { (task: String, i: Int) throws in
            let step = try checkpoints.beginStep(taskID: task, type: .iterationEnd, snapshot: ["step": .int(Int64(i))])
            _ = try checkpoints.commitStep(step, evidence: exitEvidence)
        }
        let mix = try AgentMix(store: backend, tag: tag, cacheHit: cacheHit, ledgerReplay: ledgerReplay, commit: commit)

        var workloads: [Workload] = []
        if let floor { workloads.append(Workload(name: floor.name, op: floor.run)) }
        workloads += [
            // The commit alone: beginStep (canonical JSON and SHA-256 of the snapshot, no I/O) is
            // prepared before the clock starts; the workflow below measures the whole sequence.
            Workload(name: "checkpoint.commit", prepare: { i in
                try checkpoints.beginStep(taskID: "bench-commit-\(tag)", type: .iterationEnd, snapshot: ["step": .int(Int64(i))])
            }) { step in
                _ = try checkpoints.commitStep(step, evidence: exitEvidence)
            },
            // The seeds' full checkpoint workflow: begin, commit, verify, last verified.
            Workload(name: "checkpoint.workflow") { i in
                let task = "bench-workflow-\(tag)"
                let step = try checkpoints.beginStep(taskID: task, type: .iterationEnd, snapshot: ["step": .int(Int64(i))])
                let checkpoint = try checkpoints.commitStep(step, evidence: exitEvidence)
                guard try checkpoints.verify(checkpoint.id).verified,
                    try checkpoints.lastVerified(taskID: task)?.sequence == checkpoint.sequence
                else { throw Miss(what: "workflow did not verify") }
            },
            Workload(name: "checkpoint.verify") { i in
                guard try checkpoints.verify(verifyIDs[i % verifyIDs.count]).verified else { throw Miss(what: "verify failed") }
            },
            Workload(name: "checkpoint.last_verified") { _ in
                guard try checkpoints.lastVerified(taskID: "bench-verify") != nil else { throw Miss(what: "no verified checkpoint") }
            },
            Workload(name: "cache.hit", op: cacheHit),
            Workload(name: "ledger.replay", op: ledgerReplay),
            Workload(name: "lease.acquire_release", prepare: { _ in try pool.refill() }) { _ in
                guard let lease = try leases.acquire() else { throw Miss(what: "no pending work item") }
                try leases.complete(lease, output: "{}")
            },
            Workload(name: AgentMix.name, op: mix.run),
        ]
        return workloads
    }
}

/// Pending work items for `lease.acquire_release`, added in batches of 1,000 outside the clock
/// so memory stays flat however many operations run. Each process adds before it takes, so
/// processes sharing a database never find the pool empty.
final class LeasePool {
    let leases: LeaseManager
    let tag: String
    private var left = 0
    private var batch = 0

    init(leases: LeaseManager, tag: String) {
        self.leases = leases
        self.tag = tag
    }

    func refill() throws {
        if left == 0 {
            try leases.add((0..<1_000).map { NewWorkItem(id: "lease-\(tag)-\(batch)-\($0)") })
            batch += 1
            left = 1_000
        }
        left -= 1
    }
}
