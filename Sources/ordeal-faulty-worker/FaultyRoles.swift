import OrdealSystem
import OrdealSupport
import RecoveryCore
import WorkerKit

/// TEST-ONLY. The faults that change what a role does rather than what its backend answers.
enum FaultyRoles {
    /// dup-seq: `checkpoint-writer --task T --count N` that commits like the real one, but
    /// acknowledges every 3rd checkpoint twice: the same sequence number reported for two
    /// acknowledgements (both carry the stored row's hash, so only the numbering is wrong).
    static func duplicateAcks(options: WorkerOptions, backend: any RecoveryBackend, events: EventWriter) throws -> Int {
        let task = options.string("task", default: "task-1")
        let count = try options.int("count", default: 100)
        let checkpoints = CheckpointManager(store: backend)
        let evidence = EvidencePack([.commandExit(command: "write", expected: 0, observed: 0)])
        var ops = 0
        for i in 0..<count {
            let start = Stopwatch()
            let checkpoint = try checkpoints.commitStep(
                checkpoints.beginStep(taskID: task, type: .manualCheckpoint, snapshot: ["faulty": "dup-seq", "i": .int(Int64(i))]),
                evidence: evidence)
            let value: JSONValue = ["seq": .int(checkpoint.sequence), "sha256": .string(checkpoint.snapshotSHA256)]
            let acks = i % 3 == 2 ? 2 : 1
            for _ in 0..<acks {
                events.op("checkpoint.commit", key: task, outcome: .ok, latencyNanos: start.elapsedNanos, value: value)
                ops += 1
            }
        }
        return ops
    }

    /// never-finish: `lease-worker` that seeds the items as the real one does, acquires one,
    /// reports it, and ends (exit 0) without completing it.
    static func acquireAndLeave(options: WorkerOptions, backend: any RecoveryBackend, events: EventWriter) throws -> Int {
        let manager = try LeaseWorkerRole.makeManager(options: options, store: backend)
        try LeaseWorkerRole.seedItems(options: options, manager: manager)
        let start = Stopwatch()
        guard let lease = try manager.acquire() else { return 0 }
        events.op(
            "lease.acquire", key: lease.itemID, outcome: .ok, latencyNanos: start.elapsedNanos,
            value: ["token": .int(lease.fencingToken)])
        return 1
    }

    /// slow-recovery: before the real checkpoint-writer starts, sleeps 2 s when its task already
    /// has checkpoints, i.e. when this is a restart.
    static func sleepIfRestarted(_ options: WorkerOptions, _ backend: any RecoveryBackend) throws {
        let task = options.string("task", default: "task-1")
        if try !backend.checkpoints(CheckpointQuery(taskID: task, limit: 1)).isEmpty {
            Posix.sleep(millis: 2_000)
        }
    }
}
