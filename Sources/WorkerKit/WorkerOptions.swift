import OrdealSupport
import RecoveryCore

/// The command line of a worker: `ordeal-worker ROLE --name value ...`.
public struct WorkerOptions: Sendable {
    public struct UsageError: Error, CustomStringConvertible {
        public let description: String
    }

    public let role: String
    private var values: [String: String]
    private static let known: Set<String> = [
        "db", "backend", "durability", "task", "count", "steps", "step-ms", "effects", "die-with-parent", "policy",
        "items", "lease-ms", "work-ms", "heartbeat-ms", "holder", "seed-items", "interval-ms", "rounds", "until-idle",
        "start-delay-ms", "abandon", "prefix", "expect-recovered", "retry-ms",
    ]

    public init(arguments: [String]) throws(UsageError) {
        guard let role = arguments.first, !role.hasPrefix("-") else {
            throw UsageError(description: "usage: ordeal-worker ROLE (--db PATH | --backend SPEC) [options]; roles: \(WorkerRoles.names)")
        }
        self.role = role
        values = [:]
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            guard flag.hasPrefix("--"), Self.known.contains(String(flag.dropFirst(2))) else {
                throw UsageError(description: "ordeal-worker: unknown option '\(flag)'; known: \(Self.known.sorted().map { "--" + $0 }.joined(separator: ", "))")
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
