/// A backend that passes every call to `base`: the starting point for a backend that wraps
/// another (to trace, count, or change one call) without restating the rest of the interface.
/// Subclasses override what they change; `spec` and `integrityProblems` too when they differ.
/// A subclass keeps any mutable state of its own behind a lock (`Mutex`).
open class ForwardingBackend: RecoveryBackend, @unchecked Sendable {
    public let base: any RecoveryBackend

    public init(_ base: any RecoveryBackend) { self.base = base }

    open var spec: String { base.spec }
    open func integrityProblems() throws -> [String] { try base.integrityProblems() }

    // MARK: CheckpointStore

    open func insertCheckpoint(_ checkpoint: NewCheckpoint) throws -> CheckpointRow { try base.insertCheckpoint(checkpoint) }
    open func checkpoint(id: CheckpointID) throws -> CheckpointRow? { try base.checkpoint(id: id) }
    open func checkpoints(_ query: CheckpointQuery) throws -> [CheckpointRow] { try base.checkpoints(query) }
    open func recordVerification(id: CheckpointID, verified: Bool, atMillis: Int64, report: String?) throws -> Bool {
        try base.recordVerification(id: id, verified: verified, atMillis: atMillis, report: report)
    }
    open func deleteCheckpoints(taskID: String, sequences: [Int64]?, keepNewest: Int?) throws -> Int {
        try base.deleteCheckpoints(taskID: taskID, sequences: sequences, keepNewest: keepNewest)
    }
    open func checkpointTaskIDs() throws -> [String] { try base.checkpointTaskIDs() }

    // MARK: LeaseStore

    open func addWorkItems(_ items: [NewWorkItem], nowMillis: Int64) throws { try base.addWorkItems(items, nowMillis: nowMillis) }
    open func acquire(holder: String, nowMillis: Int64, leaseMillis: Int64) throws -> Lease? {
        try base.acquire(holder: holder, nowMillis: nowMillis, leaseMillis: leaseMillis)
    }
    open func renew(itemID: String, fencingToken: Int64, nowMillis: Int64, leaseMillis: Int64) throws -> Int64 {
        try base.renew(itemID: itemID, fencingToken: fencingToken, nowMillis: nowMillis, leaseMillis: leaseMillis)
    }
    open func release(itemID: String, fencingToken: Int64, outcome: LeaseRelease, nowMillis: Int64) throws {
        try base.release(itemID: itemID, fencingToken: fencingToken, outcome: outcome, nowMillis: nowMillis)
    }
    open func sweepExpired(
        nowMillis: Int64, limit: Int, boundary: (@Sendable (SweptItem) throws -> NewCheckpoint?)?
    ) throws -> [SweptItem] {
        try base.sweepExpired(nowMillis: nowMillis, limit: limit, boundary: boundary)
    }
    open func workItems(status: WorkItemStatus?, ids: [String]?) throws -> [WorkItem] {
        try base.workItems(status: status, ids: ids)
    }

    // MARK: IdempotencyStore

    open func storedResult(key: String, nowMillis: Int64) throws -> String? { try base.storedResult(key: key, nowMillis: nowMillis) }
    open func entry(key: String) throws -> IdempotencyEntry? { try base.entry(key: key) }
    open func claimKey(_ claim: IdempotencyClaim, replacing token: Int64?) throws -> Int64? {
        try base.claimKey(claim, replacing: token)
    }
    open func completeKey(key: String, token: Int64, result: String, nowMillis: Int64, expiresAtMillis: Int64) throws -> Bool {
        try base.completeKey(key: key, token: token, result: result, nowMillis: nowMillis, expiresAtMillis: expiresAtMillis)
    }
    open func failKey(key: String, token: Int64, error: String, nowMillis: Int64) throws -> Bool {
        try base.failKey(key: key, token: token, error: error, nowMillis: nowMillis)
    }
    open func deleteKey(key: String) throws -> Bool { try base.deleteKey(key: key) }
    open func entries(kind: IdempotencyKind, taskID: String?, limit: Int) throws -> [IdempotencyEntry] {
        try base.entries(kind: kind, taskID: taskID, limit: limit)
    }
    open func purgeExpired(kind: IdempotencyKind, nowMillis: Int64) throws -> Int {
        try base.purgeExpired(kind: kind, nowMillis: nowMillis)
    }

    // MARK: TaskStore

    open func setTaskState(taskID: String, state: TaskState, detail: String?, nowMillis: Int64) throws {
        try base.setTaskState(taskID: taskID, state: state, detail: detail, nowMillis: nowMillis)
    }
    open func task(id: String) throws -> TaskRecord? { try base.task(id: id) }
}
