import OrdealSupport
import RecoveryCore

/// One measured operation: `op(i)` runs the i-th instance; setup is done when it is made.
/// `prepare(i)`, when given, runs before the clock starts and hands its value to the op.
struct Workload {
    let name: String
    let prepare: ((Int) throws -> Any)?
    let op: (Int, Any?) throws -> Void

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

    func run(_ i: Int) throws { try op(i, try prepare?(i)) }
}

/// The workloads of `CoreBenchmark`, each set up for `operations` calls.
enum CoreWorkloads {
    struct Miss: Error, CustomStringConvertible {
        let what: String
        var description: String { "benchmark invariant broken: \(what)" }
    }

    static func make(backend: SQLiteBackend, operations: Int) throws -> [Workload] {
        let checkpoints = CheckpointManager(store: backend)
        let cache = LLMCache(store: backend)
        let ledger = ToolLedger(store: backend)
        let leases = LeaseManager(store: backend, holder: "bench", leaseMillis: 60_000)
        try backend.prepareRawInsertTable()

        // Stored beforehand: checkpoints to verify, cache entries and ledger results to hit.
        var verifyIDs: [CheckpointID] = []
        for i in 0..<100 {
            let step = try checkpoints.beginStep(taskID: "bench-verify", type: .iterationEnd, snapshot: ["step": .int(Int64(i))])
            verifyIDs.append(try checkpoints.commitStep(step, evidence: exitEvidence).id)
        }
        let keys = 1_000
        let prompts = (0..<keys).map { LLMRequest(operation: "plan", prompt: "prompt number \($0)", model: "bench-model", taskID: "bench") }
        let tools = (0..<keys).map { ToolRequest(tool: "bash", command: "echo \($0)", taskID: "bench") }
        for i in 0..<keys {
            _ = try cache.getOrGenerate(prompts[i]) { "{\"text\":\"answer \(i)\"}" }
            _ = try ledger.executeOrReplay(tools[i]) { "{\"exit\":0,\"stdout\":\"\(i)\"}" }
        }
        try leases.add((0..<operations).map { NewWorkItem(id: "lease-\($0)") })

        return [
            Workload(name: "raw.insert_txn") { i in try backend.rawInsertTransaction(payload: "row \(i)") },
            // The commit alone: beginStep (canonical JSON and SHA-256 of the snapshot, no I/O) is
            // prepared before the clock starts; the workflow below measures the whole sequence.
            Workload(name: "checkpoint.commit", prepare: { i in
                try checkpoints.beginStep(taskID: "bench-commit", type: .iterationEnd, snapshot: ["step": .int(Int64(i))])
            }) { step in
                _ = try checkpoints.commitStep(step, evidence: exitEvidence)
            },
            // The seeds' full checkpoint workflow: begin, commit, verify, last verified.
            Workload(name: "checkpoint.workflow") { i in
                let step = try checkpoints.beginStep(taskID: "bench-workflow", type: .iterationEnd, snapshot: ["step": .int(Int64(i))])
                let checkpoint = try checkpoints.commitStep(step, evidence: exitEvidence)
                guard try checkpoints.verify(checkpoint.id).verified,
                    try checkpoints.lastVerified(taskID: "bench-workflow")?.sequence == checkpoint.sequence
                else { throw Miss(what: "workflow did not verify") }
            },
            Workload(name: "checkpoint.verify") { i in
                guard try checkpoints.verify(verifyIDs[i % verifyIDs.count]).verified else { throw Miss(what: "verify failed") }
            },
            Workload(name: "checkpoint.last_verified") { _ in
                guard try checkpoints.lastVerified(taskID: "bench-verify") != nil else { throw Miss(what: "no verified checkpoint") }
            },
            Workload(name: "cache.hit") { i in
                guard try cache.getOrGenerate(prompts[i % keys], generate: { throw Miss(what: "cache miss") }).hit else {
                    throw Miss(what: "cache miss")
                }
            },
            Workload(name: "ledger.replay") { i in
                guard try ledger.executeOrReplay(tools[i % keys], execute: { throw Miss(what: "tool ran") }).replayed else {
                    throw Miss(what: "tool ran")
                }
            },
            Workload(name: "lease.acquire_release") { _ in
                guard let lease = try leases.acquire() else { throw Miss(what: "no pending work item") }
                try leases.complete(lease, output: "{}")
            },
        ]
    }

    static let exitEvidence = EvidencePack([.commandExit(command: "step", expected: 0, observed: 0)])
}
