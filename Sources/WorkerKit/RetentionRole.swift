import OrdealSystem
import OrdealSupport
import RecoveryCore

/// `retention --task T[,T...] [--keep N] [--interval-ms MS] [--rounds R]`: the clean-up job that
/// runs beside task runners, as a cron job would: every interval, each task's checkpoints are
/// cleaned up with the core's own retention (`CheckpointManager.cleanup`), keeping the newest
/// N and the newest verified one. Each clean-up is a `checkpoint.cleanup` op (key the task,
/// value `deleted` and `keep`). It stops after the clean-up that follows the end of every task
/// (each `succeeded` or `failed`), or after R rounds.
enum RetentionRole {
    static func run(options: WorkerOptions, backend: any RecoveryBackend, events: EventWriter) throws -> Int {
        let tasks = options.string("task", default: "task-1").split(separator: ",").map(String.init)
        let keep = try options.int("keep", default: 1)
        guard keep >= 1 else { throw WorkerOptions.UsageError(description: "ordeal-worker retention: --keep must be at least 1") }
        let interval = try options.int("interval-ms", default: 20)
        let rounds = try options.int("rounds", default: Int.max)
        let manager = CheckpointManager(store: backend)
        var round = 0
        var failuresInARow = 0
        while round < rounds {
            round += 1
            let ended = try tasks.allSatisfy { try backend.task(id: $0).map { $0.state != .running } ?? false }
            for task in tasks {
                do {
                    let (deleted, nanos) = try timed { try manager.cleanup(taskID: task, keepNewest: keep) }
                    events.op(
                        "checkpoint.cleanup", key: task, outcome: .ok, latencyNanos: nanos,
                        value: ["deleted": .int(Int64(deleted)), "keep": .int(Int64(keep))])
                    failuresInARow = 0
                } catch {
                    events.op("checkpoint.cleanup", key: task, outcome: .info, latencyNanos: 0, error: "\(error)")
                    failuresInARow += 1
                    if failuresInARow >= 3 { throw error }
                }
            }
            if ended { break }
            Posix.sleep(millis: interval)
        }
        return round
    }
}
