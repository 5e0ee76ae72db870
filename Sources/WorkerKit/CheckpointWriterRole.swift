import OrdealSupport
import RecoveryCore

/// `checkpoint-writer --task T --count N`: commits N verified checkpoints to task T, reporting
/// each with its sequence number and snapshot hash once it is committed.
enum CheckpointWriterRole {
    static func run(options: WorkerOptions, backend: any RecoveryBackend, events: EventWriter) throws -> Int {
        let task = options.string("task", default: "task-1")
        let count = try options.int("count", default: 100)
        let checkpoints = CheckpointManager(store: backend)
        let evidence = EvidencePack([.commandExit(command: "write", expected: 0, observed: 0)])
        for i in 0..<count {
            let snapshot: JSONValue = ["writer": .int(Int64(WorkerPosix.pid)), "i": .int(Int64(i))]
            do {
                let (checkpoint, nanos) = try timed {
                    try checkpoints.commitStep(
                        checkpoints.beginStep(taskID: task, type: .manualCheckpoint, snapshot: snapshot), evidence: evidence)
                }
                events.op(
                    "checkpoint.commit", key: task, outcome: .ok, latencyNanos: nanos,
                    value: ["seq": .int(checkpoint.sequence), "sha256": .string(checkpoint.snapshotSHA256)])
            } catch {
                // The commit's fate is unknown to the caller only if COMMIT itself failed; report it as indeterminate.
                events.op("checkpoint.commit", key: task, outcome: .info, latencyNanos: 0, error: "\(error)")
                throw error
            }
        }
        return count
    }
}
