import OrdealSystem
import OrdealSupport
import RecoveryCore

/// `checkpoint-writer --task T --count N [--retry-ms MS]`: commits N verified checkpoints to task
/// T, reporting each with its sequence number and snapshot hash once it is committed.
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
    public static func run(
        options: WorkerOptions, backend: any RecoveryBackend, events: EventWriter, everyErrorFails: Bool = false
    ) throws -> Int {
        let task = options.string("task", default: "task-1")
        let count = try options.int("count", default: 100)
        let retryMillis = try options.int("retry-ms", default: 0)
        let checkpoints = CheckpointManager(store: backend)
        let evidence = EvidencePack([.commandExit(command: "write", expected: 0, observed: 0)])
        var i = 0
        var attempt = 0
        while i < count {
            attempt += 1
            let snapshot: JSONValue = ["writer": .int(Int64(Posix.pid)), "i": .int(Int64(i)), "try": .int(Int64(attempt))]
            let start = Posix.monotonicNanos()
            let pending = try checkpoints.beginStep(taskID: task, type: .manualCheckpoint, snapshot: snapshot)
            do {
                let (checkpoint, nanos) = try timed { try checkpoints.commitStep(pending, evidence: evidence) }
                events.op(
                    "checkpoint.commit", key: task, outcome: .ok, latencyNanos: nanos,
                    value: ["seq": .int(checkpoint.sequence), "sha256": .string(checkpoint.snapshotSHA256)])
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
            }
        }
        return count
    }
}
