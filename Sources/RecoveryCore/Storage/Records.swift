/// Rows as the storage interface passes them: plain values, already encoded.
/// Parsing, hashing and evidence checking happen in the core, not in a backend.

/// A checkpoint is identified by its task and its sequence number in that task.
public struct CheckpointID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var taskID: String
    public var sequence: Int64

    public init(taskID: String, sequence: Int64) {
        self.taskID = taskID
        self.sequence = sequence
    }

    public var description: String { "\(taskID)#\(sequence)" }

    public static func < (a: CheckpointID, b: CheckpointID) -> Bool {
        (a.taskID, a.sequence) < (b.taskID, b.sequence)
    }
}

/// A checkpoint about to be stored. The backend assigns its `sequence`.
public struct NewCheckpoint: Sendable, Hashable {
    public var taskID: String
    public var type: CheckpointType
    public var workItemID: String?
    /// Canonical JSON of the snapshot.
    public var snapshot: String
    public var snapshotSHA256: String
    /// Canonical JSON of the evidence pack.
    public var evidence: String
    public var verified: Bool
    /// Canonical JSON of the verification report, when the pack was checked.
    public var verification: String?
    public var createdAtMillis: Int64

    public init(
        taskID: String, type: CheckpointType, workItemID: String?, snapshot: String, snapshotSHA256: String,
        evidence: String, verified: Bool, verification: String?, createdAtMillis: Int64
    ) {
        self.taskID = taskID
        self.type = type
        self.workItemID = workItemID
        self.snapshot = snapshot
        self.snapshotSHA256 = snapshotSHA256
        self.evidence = evidence
        self.verified = verified
        self.verification = verification
        self.createdAtMillis = createdAtMillis
    }
}

extension NewCheckpoint {
    /// The row a backend stores for this checkpoint under `sequence`: `verifiedAtMillis` is
    /// `createdAtMillis` when it is verified, else nil.
    public func row(sequence: Int64) -> CheckpointRow {
        CheckpointRow(
            sequence: sequence, taskID: taskID, type: type.rawValue, workItemID: workItemID, snapshot: snapshot,
            snapshotSHA256: snapshotSHA256, evidence: evidence, verified: verified,
            verifiedAtMillis: verified ? createdAtMillis : nil, verification: verification, createdAtMillis: createdAtMillis)
    }
}

/// A stored checkpoint, as the backend returns it.
public struct CheckpointRow: Sendable, Hashable {
    public var sequence: Int64
    public var taskID: String
    /// The stored type name; the core rejects names it does not know.
    public var type: String
    public var workItemID: String?
    public var snapshot: String
    public var snapshotSHA256: String
    public var evidence: String
    public var verified: Bool
    public var verifiedAtMillis: Int64?
    public var verification: String?
    public var createdAtMillis: Int64

    public var id: CheckpointID { CheckpointID(taskID: taskID, sequence: sequence) }

    public init(
        sequence: Int64, taskID: String, type: String, workItemID: String?, snapshot: String,
        snapshotSHA256: String, evidence: String, verified: Bool, verifiedAtMillis: Int64?, verification: String?,
        createdAtMillis: Int64
    ) {
        self.sequence = sequence
        self.taskID = taskID
        self.type = type
        self.workItemID = workItemID
        self.snapshot = snapshot
        self.snapshotSHA256 = snapshotSHA256
        self.evidence = evidence
        self.verified = verified
        self.verifiedAtMillis = verifiedAtMillis
        self.verification = verification
        self.createdAtMillis = createdAtMillis
    }
}

/// Which checkpoints to list, newest (highest sequence) first.
public struct CheckpointQuery: Sendable, Hashable {
    public var taskID: String
    public var type: CheckpointType?
    public var verifiedOnly: Bool
    public var limit: Int

    public init(taskID: String, type: CheckpointType? = nil, verifiedOnly: Bool = false, limit: Int = 1000) {
        self.taskID = taskID
        self.type = type
        self.verifiedOnly = verifiedOnly
        self.limit = limit
    }
}

public enum WorkItemStatus: String, Sendable, CaseIterable, Codable {
    case pending, inProgress = "in_progress", completed, failed

    public var isTerminal: Bool { self == .completed || self == .failed }
}

public struct NewWorkItem: Sendable, Hashable {
    public var id: String
    public var taskID: String?
    public var payload: String
    public var priority: Int64
    /// How many leases the item may hold in all; see `RecoverySweep`.
    public var maxAttempts: Int64

    public init(id: String, taskID: String? = nil, payload: String = "{}", priority: Int64 = 0, maxAttempts: Int64 = 3) {
        self.id = id
        self.taskID = taskID
        self.payload = payload
        self.priority = priority
        self.maxAttempts = maxAttempts
    }
}

public struct WorkItem: Sendable, Hashable {
    public var id: String
    public var taskID: String?
    public var payload: String
    public var status: WorkItemStatus
    public var priority: Int64
    /// Leases of this item that expired (were recovered by a sweep or taken over).
    public var attempts: Int64
    public var maxAttempts: Int64
    public var leaseHolder: String?
    public var leaseExpiresAtMillis: Int64?
    /// The token of the newest acquisition; grows by one with each.
    public var fencingToken: Int64
    /// The token that completed or failed the item.
    public var releasedToken: Int64?
    public var output: String?
    public var error: String?
    public var updatedAtMillis: Int64

    public init(
        id: String, taskID: String?, payload: String, status: WorkItemStatus, priority: Int64, attempts: Int64,
        maxAttempts: Int64, leaseHolder: String?, leaseExpiresAtMillis: Int64?, fencingToken: Int64,
        releasedToken: Int64?, output: String?, error: String?, updatedAtMillis: Int64
    ) {
        self.id = id
        self.taskID = taskID
        self.payload = payload
        self.status = status
        self.priority = priority
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.leaseHolder = leaseHolder
        self.leaseExpiresAtMillis = leaseExpiresAtMillis
        self.fencingToken = fencingToken
        self.releasedToken = releasedToken
        self.output = output
        self.error = error
        self.updatedAtMillis = updatedAtMillis
    }
}

/// A granted lease: the item and the fencing token every later call must present.
public struct Lease: Sendable, Hashable {
    public var itemID: String
    public var taskID: String?
    public var payload: String
    public var holder: String
    public var fencingToken: Int64
    public var attempts: Int64
    public var expiresAtMillis: Int64

    public init(
        itemID: String, taskID: String?, payload: String, holder: String, fencingToken: Int64, attempts: Int64,
        expiresAtMillis: Int64
    ) {
        self.itemID = itemID
        self.taskID = taskID
        self.payload = payload
        self.holder = holder
        self.fencingToken = fencingToken
        self.attempts = attempts
        self.expiresAtMillis = expiresAtMillis
    }
}

/// How a lease holder ends its lease.
public enum LeaseRelease: Sendable, Hashable {
    /// Terminal: the item is done, with its output.
    case completed(output: String)
    /// Terminal: the item failed, with the error.
    case failed(error: String)
    /// Back to pending with `attempts + 1`, or failed when no attempt is left.
    case retry(error: String)
}

/// An item one sweep pass returned to pending or failed.
public struct SweptItem: Sendable, Hashable {
    public var itemID: String
    public var taskID: String?
    public var newStatus: WorkItemStatus
    public var attempts: Int64
    public var fencingToken: Int64

    public init(itemID: String, taskID: String?, newStatus: WorkItemStatus, attempts: Int64, fencingToken: Int64) {
        self.itemID = itemID
        self.taskID = taskID
        self.newStatus = newStatus
        self.attempts = attempts
        self.fencingToken = fencingToken
    }
}

public enum IdempotencyKind: String, Sendable, CaseIterable {
    case llm, tool
}

public enum IdempotencyStatus: String, Sendable {
    /// A process claimed the key and is generating or executing.
    case claimed
    /// The result is stored.
    case done
    /// The generator or tool threw; the entry records the error.
    case failed
}

public struct IdempotencyEntry: Sendable, Hashable {
    public var key: String
    public var kind: IdempotencyKind
    public var status: IdempotencyStatus
    public var taskID: String?
    /// The canonical request; loaded by `entries`, not by the hot-path `entry(key:)`.
    public var request: String?
    public var result: String?
    public var error: String?
    public var owner: String
    public var claimToken: Int64
    public var claimExpiresAtMillis: Int64
    public var createdAtMillis: Int64
    public var completedAtMillis: Int64?
    public var expiresAtMillis: Int64?

    public init(key: String, kind: IdempotencyKind, status: IdempotencyStatus, taskID: String?, request: String?, result: String?, error: String?, owner: String, claimToken: Int64, claimExpiresAtMillis: Int64, createdAtMillis: Int64, completedAtMillis: Int64?, expiresAtMillis: Int64?) {
        self.key = key
        self.kind = kind
        self.status = status
        self.taskID = taskID
        self.request = request
        self.result = result
        self.error = error
        self.owner = owner
        self.claimToken = claimToken
        self.claimExpiresAtMillis = claimExpiresAtMillis
        self.createdAtMillis = createdAtMillis
        self.completedAtMillis = completedAtMillis
        self.expiresAtMillis = expiresAtMillis
    }
}

/// A request to claim a key for generation or execution.
public struct IdempotencyClaim: Sendable, Hashable {
    public var key: String
    public var kind: IdempotencyKind
    public var taskID: String?
    public var request: String
    public var owner: String
    public var nowMillis: Int64
    public var claimExpiresAtMillis: Int64

    public init(key: String, kind: IdempotencyKind, taskID: String?, request: String, owner: String, nowMillis: Int64, claimExpiresAtMillis: Int64) {
        self.key = key
        self.kind = kind
        self.taskID = taskID
        self.request = request
        self.owner = owner
        self.nowMillis = nowMillis
        self.claimExpiresAtMillis = claimExpiresAtMillis
    }
}

public enum TaskState: String, Sendable, CaseIterable {
    case running, succeeded, failed
}

public struct TaskRecord: Sendable, Hashable {
    public var taskID: String
    public var state: TaskState
    public var detail: String?
    public var updatedAtMillis: Int64

    public init(taskID: String, state: TaskState, detail: String?, updatedAtMillis: Int64) {
        self.taskID = taskID
        self.state = state
        self.detail = detail
        self.updatedAtMillis = updatedAtMillis
    }
}
