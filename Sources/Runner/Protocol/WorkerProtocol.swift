import OrdealCheckers
import OrdealModel
import OrdealSupport

/// The worker protocol's contract (docs/worker-protocol.md, docs/worker-protocol.schema.json):
/// the one place a line a worker wrote is judged. A line that breaks it is a `Violation`,
/// quoted with its line number, and the scenario that read it is `unknown`: a worker that does
/// not speak the protocol exactly cannot be judged.
public enum WorkerProtocol {
    /// The newest version; version 1 workers still run, taken to declare every role and op.
    public static let version = 2
    /// The longest line, in bytes, but the reader's `state` line (one `write(2)` below PIPE_BUF).
    public static let maxLineBytes = 4096

    /// The schema, compiled in from Sources/Runner/Protocol/worker-protocol.schema.json.
    public static let schemaText = String(decoding: PackageResources.worker_protocol_schema_json, as: UTF8.self)
    // The file is part of the build and tested; a schema that cannot load is a build defect.
    static let schema: JSONSchema = {
        do { return try JSONSchema(JSONParser.parse(schemaText)) } catch { fatalError("worker-protocol.schema.json: \(error)") }
    }()

    /// The ops the checkers read, whose values the schema defines.
    public static let knownOps: Set<String> = Set(schema.root["$defs"]?["values"]?["properties"]?.objectValue?.keys ?? [:].keys)

    /// A line that breaks the protocol: what is wrong, where, and the line itself.
    public struct Violation: Error, Sendable, CustomStringConvertible {
        public let worker: String
        public let line: Int
        public let problem: String
        public let text: String

        public var description: String {
            let quoted = text.count > 160 ? String(text.prefix(160)) + "..." : text
            return "worker \(worker) broke the worker protocol at line \(line) of its output: \(problem): \(quoted)"
        }
    }

    /// One event, validated: its kind (`ready`, `op`, `done`, `state`) and its fields.
    public struct Event: Sendable {
        public let kind: String
        public let fields: [String: JSONValue]
    }

    /// Parses line `number` of `worker`'s output and checks it against the schema, and an op
    /// against what the worker declared (`declared`, from its ready event; nil before it).
    public static func parse(_ text: String, number: Int, worker: String, declared: WorkerIdentity?) throws(Violation) -> Event {
        func violation(_ problem: String) -> Violation { Violation(worker: worker, line: number, problem: problem, text: text) }
        guard case .object(let fields)? = try? JSONParser.parse(text) else { throw violation("not a JSON object") }
        guard let kind = fields["event"]?.stringValue else { throw violation("no \"event\" field") }
        guard ["ready", "op", "done", "state"].contains(kind) else {
            throw violation("unknown event \"\(kind)\" (events: ready, op, done, state)")
        }
        if kind != "state" && text.utf8.count > maxLineBytes {
            throw violation("a line of \(text.utf8.count) bytes (at most \(maxLineBytes), so that one write(2) is atomic)")
        }
        if let problem = schema.validate(.object(fields), definition: kind).first { throw violation(problem) }
        if kind == "op" { try checkOp(fields, declared: declared, violation) }
        return Event(kind: kind, fields: fields)
    }

    private static func checkOp(
        _ fields: [String: JSONValue], declared: WorkerIdentity?, _ violation: (String) -> Violation
    ) throws(Violation) {
        guard let declared else { throw violation("an op before the ready event") }
        let op = fields["op"]?.stringValue ?? ""
        if let ops = declared.ops {
            guard ops.contains(op) else {
                throw violation("op \"\(op)\" is not among the ops its ready event declares (\(ops.sorted().joined(separator: ", ")))")
            }
        } else if !knownOps.contains(op) {
            throw violation(
                "unknown op \"\(op)\" (the checkers read: \(knownOps.sorted().joined(separator: ", "))); a version 2 worker declares ops of its own in ready.capabilities.ops")
        }
        try checkToken(fields, op: op, fencingTokens: declared.fencingTokens, violation)
        guard fields["outcome"]?.stringValue == "ok", knownOps.contains(op) else { return }
        let value = fields["value"] ?? .null
        guard let definition = schema.root["$defs"]?["values"]?["properties"]?[op]?["$ref"]?.stringValue else { return }
        let name = String(definition.dropFirst("#/$defs/".count))
        if let problem = schema.validate(value, definition: name).first {
            throw violation("the value of an acknowledged \(op) \(problem.replacingOccurrences(of: "$", with: "value", options: .anchored))")
        }
    }

    /// An acknowledged lease op carries its token exactly when the worker declared that its core
    /// has them (the default); a `token` in any lease op of a worker that declared none is a
    /// violation too, so the two ways of judging leases never mix.
    private static func checkToken(
        _ fields: [String: JSONValue], op: String, fencingTokens: Bool, _ violation: (String) -> Violation
    ) throws(Violation) {
        guard LeaseEpochs.leaseOps.contains(op) else { return }
        let token = fields["value"]?["token"]
        if !fencingTokens, token != nil {
            throw violation("a \(op) with a token, from a worker whose ready event declares capabilities.fencing_tokens false; leave the token out, or declare fencing tokens")
        }
        if fencingTokens, fields["outcome"]?.stringValue == "ok", token?.intValue == nil {
            throw violation("the value of an acknowledged \(op) has no integer token; add the lease's fencing token, or, for a core that has none, declare capabilities.fencing_tokens false in the ready event")
        }
    }

    /// What a ready event says of the worker; a version 2 worker must declare its capabilities,
    /// its own role among them.
    public static func identity(ofReady fields: [String: JSONValue], command: [String]?, line: Int, worker: String, text: String) throws(Violation) -> WorkerIdentity {
        let version = Int(fields["versions"]?["protocol"]?.intValue ?? 1)
        var identity = WorkerIdentity(
            command: command, protocolVersion: version, coreName: fields["core"]?["name"]?.stringValue,
            coreVersion: fields["core"]?["version"]?.stringValue)
        guard version >= 2 else { return identity }
        guard let capabilities = fields["capabilities"] else {
            throw Violation(worker: worker, line: line, problem: "a protocol 2 ready event without capabilities {roles, ops}", text: text)
        }
        identity.roles = Set(capabilities["roles"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        identity.ops = Set(capabilities["ops"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        identity.fencingTokens = capabilities["fencing_tokens"]?.boolValue ?? true
        if let role = fields["role"]?.stringValue, !(identity.roles?.contains(role) ?? true) {
            throw Violation(worker: worker, line: line, problem: "it runs role \(role), which its capabilities do not list", text: text)
        }
        return identity
    }
}
