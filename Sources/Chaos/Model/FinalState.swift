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
    }

    public struct WorkItemRecord: Sendable, Hashable {
        public var id: String
        public var status: String
        public var token: Int64
        public var releasedToken: Int64?
        public var output: String?
        public var attempts: Int64
    }

    public struct IdempotencyRecord: Sendable, Hashable {
        public var key: String
        public var kind: String
        public var status: String
        public var result: String?
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
                type: $0["type"]?.stringValue ?? "")
        }
        workItems = try (json["work_items"]?.arrayValue ?? []).map {
            WorkItemRecord(
                id: try str($0, "id"), status: try str($0, "status"), token: try int($0, "token"),
                releasedToken: $0["released_token"]?.intValue, output: $0["output"]?.stringValue,
                attempts: $0["attempts"]?.intValue ?? 0)
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
