import OrdealSystem
import BenchKit
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
        "checkpoint-writer": { try CheckpointWriterRole.run(options: $0, backend: $1, events: $2) },
        "task-runner": { try TaskRunnerRole.run(options: $0, backend: $1, events: $2) },
        "cache-client": CacheClientRole.run,
        "tool-client": ToolClientRole.run,
        "lease-worker": LeaseWorkerRole.run,
        "sweeper": SweeperRole.run,
        "retention": RetentionRole.run,
        "reader": ReaderRole.run,
    ]

    public static var names: String { standard.keys.sorted().joined(separator: ", ") }

    /// Every op the standard roles write.
    public static let standardOps: Set<String> = [
        "checkpoint.commit", "task.step", "task.finish", "cache.generate", "cache.hit", "tool.execute", "tool.replay",
        "lease.acquire", "lease.renew", "lease.work", "lease.complete", "sweep.run",
        "checkpoint.cleanup", "checkpoint.recheck",
    ]
}

/// The entry point of `ordeal-worker` (and of users' own workers built on WorkerKit).
/// Exit status: 0 done, 1 an operation failed, 2 bad usage, 70 standard output is gone.
public enum WorkerMain {
    /// Opens the backend of a worker: the one `spec` names (`--backend SPEC`), or when it is nil
    /// the SQLite database at `sqlitePath` (`--db PATH`) with `durability` (`--durability`).
    /// `Backends.open(spec:sqlitePath:durability:)` (module Backends) opens every known spec.
    public typealias BackendOpener = @Sendable (
        _ spec: String?, _ sqlitePath: String?, _ durability: Durability
    ) throws -> any RecoveryBackend

    public static func run(arguments: [String]) -> Int32 {
        run(arguments: arguments, roles: WorkerRoles.standard)
    }

    /// Runs the role the arguments name, chosen from `roles`, on SQLite (`--db PATH`).
    public static func run(arguments: [String], roles: [String: WorkerRole]) -> Int32 {
        run(arguments: arguments, roles: roles, openBackend: openSQLiteOnly)
    }

    /// Runs the role the arguments name, chosen from `roles`, on the backend `openBackend` makes
    /// of `--backend SPEC` (or of `--db PATH` and `--durability` when no spec is given).
    /// `bench-worker ARGS...` runs a benchmark worker instead (`BenchWorker`), so that
    /// `ordeal bench --worker PATH` can measure the backends this worker opens.
    ///
    /// With `ops`, the worker speaks protocol 2: its ready event declares `roles` and `ops` as
    /// its capabilities, and the runner holds it to them (an op it did not declare makes the
    /// scenario unknown); without, protocol 1 (taken to implement every role and op).
    /// `options` names the params roles of your own take beside the standard ones
    /// (`WorkerOptions.standard`).
    public static func run(
        arguments: [String], roles: [String: WorkerRole], openBackend: BackendOpener, declaring ops: Set<String>? = nil,
        options extraOptions: [String: String] = [:]
    ) -> Int32 {
        if arguments.first == "bench-worker" { return runBenchWorker(Array(arguments.dropFirst()), openBackend: openBackend) }
        if arguments.first == "--help" || arguments.first == "-h" {
            print(WorkerOptions.help(roles: roles.keys.sorted(), extra: extraOptions))
            return 0
        }
        let events = EventWriter()
        do {
            let options = try WorkerOptions(arguments: arguments, alsoKnown: Set(extraOptions.keys))
            guard let role = roles[options.role] else {
                let names = roles.keys.sorted().joined(separator: ", ")
                throw WorkerOptions.UsageError(description: "ordeal-worker: unknown role '\(options.role)'; roles: \(names)")
            }
            if options.string("die-with-parent", default: "true") == "true", !Posix.dieWithParent() {
                WorkerPosix.printError("ordeal-worker: the parent process is gone; exiting")
                return 1
            }
            let backend = try open(options, with: openBackend)
            var extra: [String: JSONValue] = [:]
            if backend is SQLiteBackend { extra["sqlite"] = .string(SQLiteBackend.sqliteVersion) }
            if let ops {
                extra["versions"] = ["ordeal": .string(OrdealVersion.current), "protocol": 2]
                extra["capabilities"] = [
                    "roles": .array(roles.keys.sorted().map(JSONValue.string)), "ops": .array(ops.sorted().map(JSONValue.string)),
                ]
                extra["core"] = ["name": "Ordeal RecoveryCore", "version": .string(OrdealVersion.current)]
            }
            events.ready(role: options.role, backend: backend.spec, extra: extra)
            _ = try role(options, backend, events)
            events.done()
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

extension WorkerMain {
    /// Opens the worker's backend; a spec or path the opener rejects as invalid is a usage error.
    static func open(_ options: WorkerOptions, with openBackend: BackendOpener) throws -> any RecoveryBackend {
        let spec = options.optionalString("backend")
        let path = spec == nil ? try options.string("db") : options.optionalString("db")
        do {
            return try openBackend(spec, path, try options.durability())
        } catch let error as RecoveryError where error.code == .invalidArgument {
            throw WorkerOptions.UsageError(description: "ordeal-worker: --backend: \(error.message)")
        }
    }

    static func runBenchWorker(_ arguments: [String], openBackend: BackendOpener) -> Int32 {
        BenchWorker.main(
            arguments: arguments, open: { spec, database in try openBackend(spec, database, .normal) },
            write: { WorkerPosix.writeLine($0) }, fail: WorkerPosix.printError)
    }

    /// The opener of `run(arguments:roles:)`: SQLite only, as WorkerKit alone knows no other
    /// backend; a `sqlite:DURABILITY` spec is the file at `--db` with that durability.
    public static let openSQLiteOnly: BackendOpener = { spec, path, durability in
        var durability = durability
        if let spec {
            guard let named = Durability(sqliteSpec: spec) else {
                throw RecoveryError(
                    .invalidArgument,
                    "this worker opens only SQLite (--db PATH), not '\(spec)'; build it with the Backends module and pass Backends.open(spec:sqlitePath:durability:) to WorkerMain.run")
            }
            durability = named
        }
        return try SQLiteBackend(path: path ?? "", options: SQLiteOptions(durability: durability))
    }
}

/// Runs `body`, timing it with the monotonic clock; returns its value and the nanoseconds.
func timed<T>(_ body: () throws -> T) rethrows -> (T, UInt64) {
    let start = Posix.monotonicNanos()
    let value = try body()
    return (value, Posix.monotonicNanos() - start)
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
        guard Posix.dieWithParent() else {
            WorkerPosix.printError("ordeal-worker exec: the parent process is gone; not starting \(command[0])")
            return 1
        }
        let error = Posix.exec(command)
        WorkerPosix.printError("ordeal-worker exec: cannot run \(command[0]): \(error); check the command and PATH")
        return 127
    }
}
