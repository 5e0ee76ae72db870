import OrdealSupport
import RecoveryCore

/// One role: runs its operations against the opened backend, reporting each through the
/// writer, and returns how many it reported.
public typealias WorkerRole = @Sendable (WorkerOptions, any RecoveryBackend, EventWriter) throws -> Int

/// The roles a worker can play. Each opens the backend, says it is ready, and reports every
/// operation as it completes.
public enum WorkerRoles {
    /// The roles of `ordeal-worker`. A worker of your own may run these beside roles of its own
    /// through `WorkerMain.run(arguments:roles:)`.
    public static let standard: [String: WorkerRole] = [
        "checkpoint-writer": CheckpointWriterRole.run,
        "task-runner": TaskRunnerRole.run,
        "cache-client": CacheClientRole.run,
        "tool-client": ToolClientRole.run,
        "lease-worker": LeaseWorkerRole.run,
        "sweeper": SweeperRole.run,
        "reader": ReaderRole.run,
    ]

    public static var names: String { standard.keys.sorted().joined(separator: ", ") }
}

/// The entry point of `ordeal-worker` (and of users' own workers built on WorkerKit).
/// Exit status: 0 done, 1 an operation failed, 2 bad usage, 70 standard output is gone.
public enum WorkerMain {
    public static func run(arguments: [String]) -> Int32 {
        run(arguments: arguments, roles: WorkerRoles.standard)
    }

    /// Runs the role the arguments name, chosen from `roles`.
    public static func run(arguments: [String], roles: [String: WorkerRole]) -> Int32 {
        let events = EventWriter()
        do {
            let options = try WorkerOptions(arguments: arguments)
            guard let role = roles[options.role] else {
                let names = roles.keys.sorted().joined(separator: ", ")
                throw WorkerOptions.UsageError(description: "ordeal-worker: unknown role '\(options.role)'; roles: \(names)")
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

extension WorkerMain {
    /// `ordeal-worker exec COMMAND [ARGS...]`: asks the kernel to kill this process when its
    /// parent dies, then replaces it with COMMAND (found in PATH). The death signal survives
    /// `execve`, so a worker of the user's own that does not ask for it itself still dies with
    /// the runner. Returns only on failure: 127 when COMMAND cannot be run, 1 when the parent
    /// is already gone.
    public static func execWithParentDeath(_ command: [String]) -> Int32 {
        guard !command.isEmpty else {
            WorkerPosix.printError("usage: ordeal-worker exec COMMAND [ARGS...]")
            return 2
        }
        guard WorkerPosix.dieWithParent() else {
            WorkerPosix.printError("ordeal-worker exec: the parent process is gone; not starting \(command[0])")
            return 1
        }
        let err = WorkerPosix.execvp(command)
        WorkerPosix.printError("ordeal-worker exec: cannot run \(command[0]): errno \(err); check the command and PATH")
        return 127
    }
}
