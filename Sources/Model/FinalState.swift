import OrdealSupport

/// What the reader worker found after the run: the backend's rows, its integrity check, and
/// the effects files. Its JSON form (the `state` field of the reader's `state` event) is part
/// of the worker protocol (docs/worker-protocol.md).
public struct FinalState: Sendable, Hashable {
    public struct CheckpointRecord: Sendable, Hashable {
        public var task: String
        public var seq: Int64
        public var sha256: String
        /// The stored snapshot's bytes still hash to `sha256`.
        public var snapshotOK: Bool
        public var verified: Bool
        public var type: String
        /// The evidence pack the checkpoint was committed with, as the core stores it
        /// (`{"policy": {"kind": ...}, "items": [...]}`, docs/worker-protocol.md); nil when the
        /// reader did not say.
        public var evidence: JSONValue?

        public init(
            task: String, seq: Int64, sha256: String, snapshotOK: Bool, verified: Bool, type: String, evidence: JSONValue? = nil
        ) {
            self.task = task
            self.seq = seq
            self.sha256 = sha256
            self.snapshotOK = snapshotOK
            self.verified = verified
            self.type = type
            self.evidence = evidence
        }
    }

    public struct WorkItemRecord: Sendable, Hashable {
        public var id: String
        public var status: String
        /// The item's current fencing token; 0 when the reader gives none (a core without
        /// fencing tokens, `capabilities.fencing_tokens: false`). No checker reads it.
        public var token: Int64
        public var releasedToken: Int64?
        public var output: String?
        public var attempts: Int64
        /// How many leases the item may hold in all (`max_attempts`, optional): the lease that
        /// expires as the last of them fails the item. Nil when the reader did not say.
        public var maxAttempts: Int64?

        public init(
            id: String, status: String, token: Int64, releasedToken: Int64?, output: String?, attempts: Int64,
            maxAttempts: Int64? = nil
        ) {
            self.id = id
            self.status = status
            self.token = token
            self.releasedToken = releasedToken
            self.output = output
            self.attempts = attempts
            self.maxAttempts = maxAttempts
        }
    }

    public struct IdempotencyRecord: Sendable, Hashable {
        public var key: String
        public var kind: String
        public var status: String
        public var result: String?

        public init(key: String, kind: String, status: String, result: String?) {
            self.key = key
            self.kind = kind
            self.status = status
            self.result = result
        }
    }

    public var integrityProblems: [String]
    public var checkpoints: [CheckpointRecord]
    public var workItems: [WorkItemRecord]
    public var idempotency: [IdempotencyRecord]
    /// Task id to its terminal state (`running`, `succeeded`, `failed`).
    public var tasks: [String: String]
    /// Effect line to how many times it is in the effects files.
    public var effects: [String: Int]

    public init(
        integrityProblems: [String] = [], checkpoints: [CheckpointRecord] = [], workItems: [WorkItemRecord] = [],
        idempotency: [IdempotencyRecord] = [], tasks: [String: String] = [:], effects: [String: Int] = [:]
    ) {
        self.integrityProblems = integrityProblems
        self.checkpoints = checkpoints
        self.workItems = workItems
        self.idempotency = idempotency
        self.tasks = tasks
        self.effects = effects
    }
}

extension FinalState {
    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads the `state` object of a reader's `state` event.
    public init(json: JSONValue) throws {
        guard case .object = json else { throw FormatError(description: "the reader's state is not a JSON object") }
        func str(_ v: JSONValue, _ k: String) throws -> String {
            guard let s = v[k]?.stringValue else { throw FormatError(description: "state row lacks string '\(k)': \(v)") }
            return s
        }
        func int(_ v: JSONValue, _ k: String) throws -> Int64 {
            guard let i = v[k]?.intValue else { throw FormatError(description: "state row lacks integer '\(k)': \(v)") }
            return i
        }
        integrityProblems = (json["integrity_problems"]?.arrayValue ?? []).compactMap(\.stringValue)
        checkpoints = try (json["checkpoints"]?.arrayValue ?? []).map {
            CheckpointRecord(
                task: try str($0, "task"), seq: try int($0, "seq"), sha256: try str($0, "sha256"),
                snapshotOK: $0["snapshot_ok"]?.boolValue ?? false, verified: $0["verified"]?.boolValue ?? false,
                type: $0["type"]?.stringValue ?? "", evidence: $0["evidence"].flatMap { $0 == .null ? nil : $0 })
        }
        workItems = try (json["work_items"]?.arrayValue ?? []).map {
            WorkItemRecord(
                id: try str($0, "id"), status: try str($0, "status"), token: $0["token"]?.intValue ?? 0,
                releasedToken: $0["released_token"]?.intValue, output: $0["output"]?.stringValue,
                attempts: $0["attempts"]?.intValue ?? 0, maxAttempts: $0["max_attempts"]?.intValue)
        }
        idempotency = try (json["idempotency"]?.arrayValue ?? []).map {
            IdempotencyRecord(
                key: try str($0, "key"), kind: try str($0, "kind"), status: try str($0, "status"),
                result: $0["result"]?.stringValue)
        }
        tasks = (json["tasks"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        effects = (json["effects"]?.objectValue ?? [:]).compactMapValues { $0.intValue.map(Int.init) }
    }
}

extension FinalState {
    /// final-state.json, as `FinalState(json:)` reads it back.
    public var json: JSONValue {
        [
            "integrity_problems": .array(integrityProblems.map { .string($0) }),
            "checkpoints": .array(checkpoints.map {
                ["task": .string($0.task), "seq": .int($0.seq), "sha256": .string($0.sha256), "snapshot_ok": .bool($0.snapshotOK),
                 "verified": .bool($0.verified), "type": .string($0.type), "evidence": $0.evidence ?? .null]
            }),
            "work_items": .array(workItems.map {
                ["id": .string($0.id), "status": .string($0.status), "token": .int($0.token),
                 "released_token": $0.releasedToken.map { .int($0) } ?? .null, "output": $0.output.map { .string($0) } ?? .null,
                 "attempts": .int($0.attempts), "max_attempts": $0.maxAttempts.map { .int($0) } ?? .null]
            }),
            "idempotency": .array(idempotency.map {
                ["key": .string($0.key), "kind": .string($0.kind), "status": .string($0.status),
                 "result": $0.result.map { .string($0) } ?? .null]
            }),
            "tasks": .object(tasks.mapValues { .string($0) }),
            "effects": .object(effects.mapValues { .int(Int64($0)) }),
        ]
    }
}
