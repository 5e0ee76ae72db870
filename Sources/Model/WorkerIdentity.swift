import OrdealSupport

/// What a worker says of itself in its `ready` event: the protocol version it speaks, the roles
/// and ops it implements (protocol 2), and the recovery core it puts through the suite.
public struct WorkerIdentity: Sendable, Hashable {
    /// The command every worker group ran (`ordeal run --worker`), or nil for Ordeal's own.
    public var command: [String]?
    public var protocolVersion: Int
    /// The roles it implements; nil for a version 1 worker, which is taken to implement all.
    public var roles: Set<String>?
    /// The ops it may write; nil for a version 1 worker.
    public var ops: Set<String>?
    public var coreName: String?
    public var coreVersion: String?
    /// False when the core gives no fencing token (`capabilities.fencing_tokens: false`): its
    /// lease ops carry none, and the checkers number each item's leases in acknowledgement order.
    public var fencingTokens = true

    public init(
        command: [String]? = nil, protocolVersion: Int = 1, roles: Set<String>? = nil, ops: Set<String>? = nil,
        coreName: String? = nil, coreVersion: String? = nil
    ) {
        self.command = command
        self.protocolVersion = protocolVersion
        self.roles = roles
        self.ops = ops
        self.coreName = coreName
        self.coreVersion = coreVersion
    }

    /// Why `scenario` cannot judge this worker (a role or op it needs and the worker does not
    /// declare), or nil when it can. The reader role is needed by every scenario; an op is
    /// needed when the scenario demands it (`expect:`) or a fault fires on it (`after_ops` with
    /// `op:`): without it the fault never fires and the scenario could only end unknown.
    public func reasonNotApplicable(_ scenario: Scenario) -> String? {
        let neededRoles = Set(scenario.workers.map(\.role)).union(["reader"])
        let triggers = scenario.faults.compactMap { fault -> String? in
            if case .afterOps(_, let op?) = fault.trigger { return op }
            return nil
        }
        let neededOps = Set(scenario.expectations.map(\.op)).union(triggers)
        let missingRoles = roles.map { neededRoles.subtracting($0).sorted() } ?? []
        let missingOps = ops.map { neededOps.subtracting($0).sorted() } ?? []
        var parts: [String] = []
        if !missingRoles.isEmpty { parts.append("role\(missingRoles.count == 1 ? "" : "s") \(missingRoles.joined(separator: ", "))") }
        if !missingOps.isEmpty { parts.append("op\(missingOps.count == 1 ? "" : "s") \(missingOps.joined(separator: ", "))") }
        guard !parts.isEmpty else { return nil }
        return "the worker does not declare \(parts.joined(separator: " and ")), which this scenario needs"
    }

    /// A line for reports: the core and the worker's command.
    public var summary: String {
        var out = coreName.map { "core \($0)\(coreVersion.map { " \($0)" } ?? "")" } ?? "core not named"
        out += ", protocol \(protocolVersion)"
        if let command { out += ", worker `\(command.joined(separator: " "))`" }
        return out
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["protocol": .int(Int64(protocolVersion))]
        if let command { object["command"] = .array(command.map(JSONValue.string)) }
        if let roles { object["roles"] = .array(roles.sorted().map(JSONValue.string)) }
        if let ops { object["ops"] = .array(ops.sorted().map(JSONValue.string)) }
        if !fencingTokens { object["fencing_tokens"] = false }
        if let coreName { object["core"] = ["name": .string(coreName), "version": coreVersion.map(JSONValue.string) ?? .null] }
        return .object(object)
    }
}

/// Work a scenario demands of its workers (`expect:`): at least `acknowledged` ok `op`s (of
/// `group` when given), and for each of `totals`, a sum of that value field over them of at
/// least the number. A run that did less proved less than the scenario promises: it fails.
public struct WorkExpectation: Sendable, Hashable {
    public var op: String
    public var group: String?
    public var acknowledged: Int?
    public var totals: [String: Int64]

    public init(op: String, group: String? = nil, acknowledged: Int? = nil, totals: [String: Int64] = [:]) {
        self.op = op
        self.group = group
        self.acknowledged = acknowledged
        self.totals = totals
    }
}
