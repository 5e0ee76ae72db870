import OrdealSupport
import RecoveryCore

/// The roles a worker can play. Each opens the backend, says it is ready, and reports every
/// operation as it completes.
public enum WorkerRoles {
    static let roles: [String: @Sendable (WorkerOptions, any RecoveryBackend, EventWriter) throws -> Int] = [
        "checkpoint-writer": CheckpointWriterRole.run,
        "task-runner": TaskRunnerRole.run,
        "cache-client": CacheClientRole.run,
        "tool-client": ToolClientRole.run,
    ]

    public static var names: String { roles.keys.sorted().joined(separator: ", ") }
}

/// The entry point of `ordeal-worker` (and of users' own workers built on WorkerKit).
/// Exit status: 0 done, 1 an operation failed, 2 bad usage, 70 standard output is gone.
public enum WorkerMain {
    public static func run(arguments: [String]) -> Int32 {
        let events = EventWriter()
        do {
            let options = try WorkerOptions(arguments: arguments)
            guard let role = WorkerRoles.roles[options.role] else {
                throw WorkerOptions.UsageError(description: "ordeal-worker: unknown role '\(options.role)'; roles: \(WorkerRoles.names)")
            }
            if options.string("die-with-parent", default: "true") == "true", !WorkerPosix.dieWithParent() {
                WorkerPosix.printError("ordeal-worker: the parent process is gone; exiting")
                return 1
            }
            let backend = try SQLiteBackend(
                path: try options.string("db"), options: SQLiteOptions(durability: try options.durability()))
            events.ready(role: options.role, backend: backend.spec, extra: ["sqlite": .string(SQLiteBackend.sqliteVersion)])
            let ops = try role(options, backend, events)
            events.done(ops: ops)
            return 0
        } catch let error as WorkerOptions.UsageError {
            WorkerPosix.printError(error.description)
            return 2
        } catch {
            WorkerPosix.printError("ordeal-worker: \(error)")
            return 1
        }
    }
}

/// Runs `body`, timing it with the monotonic clock; returns its value and the nanoseconds.
func timed<T>(_ body: () throws -> T) rethrows -> (T, UInt64) {
    let start = WorkerPosix.monotonicNanos()
    let value = try body()
    return (value, WorkerPosix.monotonicNanos() - start)
}
