import OrdealSystem
import OrdealSupport
import RecoveryCore

/// `checkpoint-writer --task T --count N [--retry-ms MS] [--evidence SHAPE --evidence-dir DIR]`:
/// commits N checkpoints to task T, reporting each with its sequence number, its snapshot hash
/// and the core's verdict on its evidence once it is committed. The evidence is the write's
/// exit code unless `--evidence` names a vacuous shape (`EvidenceShape`); with
/// `artifact-removed`, each commit is followed by the removal of its output file and a
/// `checkpoint.recheck` of it through the core.
///
/// On a failed commit (docs/worker-protocol.md, "Errors"): a full disk (SQLITE_FULL) rolls the
/// transaction back, so the op is reported `fail`; with `--retry-ms` the writer waits and tries
/// the same checkpoint again until the space returns. Any other error, an I/O error or a failed
/// fsync above all, leaves the commit's fate unknown: the op is reported `info`
/// (indeterminate) and the worker stops (exit 1) without touching the connection again, so a
/// restart recovers from what is on disk, as PostgreSQL does after a failed fsync. Either way
/// the op carries the `sha256` of the snapshot it tried to commit (each attempt's snapshot is
/// its own), so the checkers can tell whether a `fail` left a trace and whether an `info` landed.
public enum CheckpointWriterRole {
    /// `everyErrorFails` is a faulty core's (ordeal-faulty-worker's `fail-not-info`): it reports
    /// an indeterminate commit as a definite failure.
    /// `verifier` is the core's unless a faulty core brings its own.
    public static func run(
        options: WorkerOptions, backend: any RecoveryBackend, events: EventWriter, everyErrorFails: Bool = false,
        verifier: any EvidenceChecking = EvidenceVerifier()
    ) throws -> Int {
        let task = options.string("task", default: "task-1")
        let count = try options.int("count", default: 100)
        let retryMillis = try options.int("retry-ms", default: 0)
        let shape = try EvidenceShape.parse(options)
        let folder = options.optionalString("evidence-dir")
        try shape.prepare(folder: folder, task: task)
        let checkpoints = CheckpointManager(store: backend, verifier: verifier)
        var i = 0
        var attempt = 0
        while i < count {
            attempt += 1
            let snapshot: JSONValue = ["writer": .int(Int64(Posix.pid)), "i": .int(Int64(i)), "try": .int(Int64(attempt))]
            let start = Posix.monotonicNanos()
            let pending = try checkpoints.beginStep(taskID: task, type: .manualCheckpoint, snapshot: snapshot)
            let evidence = try shape.pack(folder: folder, task: task, i: i)
            let committed: Checkpoint
            do {
                let (checkpoint, nanos) = try timed { try checkpoints.commitStep(pending, evidence: evidence) }
                events.op(
                    "checkpoint.commit", key: task, outcome: .ok, latencyNanos: nanos,
                    value: [
                        "seq": .int(checkpoint.sequence), "sha256": .string(checkpoint.snapshotSHA256),
                        "verified": .bool(checkpoint.verified),
                    ])
                committed = checkpoint
                i += 1
            } catch {
                let full = (error as? RecoveryError)?.underlying?.isFull == true
                let code = (error as? RecoveryError)?.underlying.map { JSONValue.string($0.symbol) } ?? .null
                events.op(
                    "checkpoint.commit", key: task, outcome: full || everyErrorFails ? .fail : .info,
                    latencyNanos: Posix.monotonicNanos() - start,
                    value: ["error_code": code, "sha256": .string(pending.snapshotSHA256)], error: "\(error)")
                guard full, retryMillis > 0 else { throw error }
                Posix.sleep(millis: retryMillis)
                continue
            }
            if shape == .artifactRemoved { try recheck(committed, checkpoints, events) }
        }
        return count
    }

    /// Removes the artifact the checkpoint's evidence names, then asks the core to verify the
    /// checkpoint again: its verdict must follow the file, not what it remembers.
    static func recheck(_ checkpoint: Checkpoint, _ checkpoints: CheckpointManager, _ events: EventWriter) throws {
        for case .fileSHA256(let path, _) in checkpoint.evidence.items {
            do { try Posix.remove(path) } catch {
                throw RecoveryError(.storage, "cannot remove the artifact \(path): \(error); check --evidence-dir is writable")
            }
        }
        let (report, nanos) = try timed { try checkpoints.verify(checkpoint.id) }
        events.op(
            "checkpoint.recheck", key: checkpoint.taskID, outcome: .ok, latencyNanos: nanos,
            value: ["seq": .int(checkpoint.sequence), "verified": .bool(report.verified), "artifact_removed": .bool(true)])
    }
}
