import OrdealSupport
import RecoveryCore

/// The command line of a worker: `ordeal-worker ROLE --name value ...`.
public struct WorkerOptions: Sendable {
    public struct UsageError: Error, CustomStringConvertible {
        public let description: String
    }

    public let role: String
    private var values: [String: String]
    /// The options the standard roles take, with what each asks for: `ordeal-worker --help`
    /// prints them, and docs/worker-protocol.md lists which scenario passes which.
    public static let standard: [String: String] = [
        "db": "the SQLite database file (every role; the runner passes it)",
        "backend": "a backend spec instead of --db: sqlite:full|normal|off, memory, postgres://... (every role)",
        "durability": "full, normal or off, the scenario's setting (every role; the runner passes it)",
        "effects": "the file each real side effect appends one line to, fsynced before it is acknowledged (every role; the runner passes it)",
        "die-with-parent": "true (default): ask the kernel to kill the worker when the runner dies",
        "task": "checkpoint-writer, task-runner, cache-client, tool-client: the task id the work belongs to; retention: the tasks to clean up, comma-separated",
        "count": "checkpoint-writer: checkpoints to commit; cache-client, tool-client: keys to generate or call",
        "steps": "task-runner: steps of the task",
        "artifacts": "task-runner: a folder each step writes its output file to (T-i.txt), vouched for by its SHA-256 in the step's evidence",
        "evidence": "checkpoint-writer: the evidence each checkpoint carries: exit (default, verifies), or one that proves nothing and must not verify: no-exit, empty, any-row, artifact-removed (verified again after its file is removed)",
        "evidence-dir": "checkpoint-writer: the folder for the files --evidence any-row or artifact-removed points at (a scenario passes {data})",
        "keep": "retention: how many of each task's newest checkpoints to keep (its newest verified one is kept as well)",
        "step-ms": "task-runner, cache-client, tool-client: time each step or call takes (a stand-in for real work)",
        "policy": "tool-client: what a replay does with an indeterminate call (run-again or fail)",
        "retry-ms": "checkpoint-writer: retry a failed commit after this many ms instead of giving up",
        "items": "lease-worker: work items to work on",
        "seed-items": "lease-worker: true to create the items first (duplicates are refused)",
        "max-attempts": "lease-worker: how many leases each seeded item may hold in all (default 3); the expiry of the last fails it",
        "lease-ms": "lease-worker: the lease's duration",
        "work-ms": "lease-worker: time spent on each item while holding the lease",
        "heartbeat-ms": "lease-worker: renew the lease this often while working",
        "holder": "lease-worker: the holder name written on the lease",
        "start-delay-ms": "lease-worker, cache-client, sweeper: wait this long before the first acquisition, request or sweep",
        "take": "lease-worker: acquire at most this many leases, then stop (default: until nothing is left)",
        "shapes": "cache-client: 1 to 5 request shapes, each differing in one field that changes the answer (temperature, model, system prompt, task)",
        "ttl-ms": "cache-client: the cache entries' time to live",
        "abandon": "lease-worker: true to acquire each item and exit without completing it",
        "prefix": "lease-worker: the prefix of the item ids",
        "interval-ms": "sweeper: time between sweeps; retention: time between clean-ups",
        "rounds": "sweeper: sweeps to run; retention: clean-ups to run at most (default: until every task has ended)",
        "until-idle": "sweeper: true to stop once a sweep finds nothing and no item is held",
        "expect-recovered": "sweeper: exit 1 unless the sweeps recovered this many leases",
    ]

    /// `--help`: the usage, the roles and every option with what it asks for.
    public static func help(roles: [String], extra: [String: String]) -> String {
        let all = standard.merging(extra) { _, theirs in theirs }
        var out = "usage: ordeal-worker ROLE (--db PATH | --backend SPEC) [--NAME VALUE ...]\n"
        out += "       ordeal-worker bench-worker ... (ordeal bench's worker; docs/bench-worker-protocol.md)\n"
        out += "Speaks the worker protocol on standard output (docs/worker-protocol.md).\n\nroles: \(roles.joined(separator: ", "))\n\noptions:\n"
        for name in all.keys.sorted() { out += "  --\(name) VALUE\n      \(all[name]!)\n" }
        out += "\nexit status: 0 done, 1 an operation failed, 2 bad usage, 70 standard output is gone"
        return out
    }

    public init(arguments: [String], alsoKnown: Set<String> = []) throws(UsageError) {
        let known = Set(Self.standard.keys).union(alsoKnown)
        guard let role = arguments.first, !role.hasPrefix("-") else {
            throw UsageError(description: "usage: ordeal-worker ROLE (--db PATH | --backend SPEC) [options]; roles: \(WorkerRoles.names)")
        }
        self.role = role
        values = [:]
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            guard flag.hasPrefix("--"), known.contains(String(flag.dropFirst(2))) else {
                throw UsageError(description: "ordeal-worker: unknown option '\(flag)'; known: \(known.sorted().map { "--" + $0 }.joined(separator: ", ")) (a role of your own declares its options: WorkerMain.run(..., options:))")
            }
            guard let value = rest.popFirst() else { throw UsageError(description: "ordeal-worker: \(flag) needs a value") }
            values[String(flag.dropFirst(2))] = value
        }
    }

    public func string(_ name: String) throws(UsageError) -> String {
        guard let value = values[name] else { throw UsageError(description: "ordeal-worker \(role): --\(name) is required") }
        return value
    }

    public func string(_ name: String, default fallback: String) -> String { values[name] ?? fallback }

    /// The value of `--name`, or nil when it is not given.
    public func optionalString(_ name: String) -> String? { values[name] }

    public func int(_ name: String, default fallback: Int) throws(UsageError) -> Int {
        guard let text = values[name] else { return fallback }
        guard let value = Int(text), value >= 0 else {
            throw UsageError(description: "ordeal-worker: --\(name) must be a whole number ≥ 0, not '\(text)'")
        }
        return value
    }

    /// A `true`/`false` option; nil when it is not given.
    public func bool(_ name: String) throws(UsageError) -> Bool? {
        guard let text = values[name] else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw UsageError(description: "ordeal-worker: --\(name) must be true or false, not '\(text)'")
        }
    }

    public func durability() throws(UsageError) -> Durability {
        let text = string("durability", default: "normal")
        guard let d = Durability(rawValue: text) else {
            throw UsageError(description: "ordeal-worker: --durability must be full, normal or off, not '\(text)'")
        }
        return d
    }
}
