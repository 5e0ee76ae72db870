import RecoveryCore

/// TEST-ONLY. A backend that passes every call to `base`; each fault overrides the one call it
/// breaks. Subclasses keep their mutable state in a `Mutex`.
class ForwardingBackend: RecoveryBackend, @unchecked Sendable {
    let base: any RecoveryBackend

    init(_ base: any RecoveryBackend) { self.base = base }

    /// The SQLite backend underneath, for faults that damage rows with raw SQL.
    var sqlite: SQLiteBackend {
        get throws {
            guard let sqlite = base as? SQLiteBackend else {
                throw RecoveryError(.invalidArgument, "this fault needs the SQLite backend, not \(base.spec)")
            }
            return sqlite
        }
    }

    var spec: String { base.spec }
    func integrityProblems() throws -> [String] { try base.integrityProblems() }

    // MARK: CheckpointStore

    func insertCheckpoint(_ checkpoint: NewCheckpoint) throws -> CheckpointRow { try base.insertCheckpoint(checkpoint) }
    func checkpoint(id: CheckpointID) throws -> CheckpointRow? { try base.checkpoint(id: id) }
    func checkpoints(_ query: CheckpointQuery) throws -> [CheckpointRow] { try base.checkpoints(query) }
    func recordVerification(id: CheckpointID, verified: Bool, atMillis: Int64, report: String?) throws -> Bool {
        try base.recordVerification(id: id, verified: verified, atMillis: atMillis, report: report)
    }
    func deleteCheckpoints(taskID: String, sequences: [Int64]?, keepNewest: Int?) throws -> Int {
        try base.deleteCheckpoints(taskID: taskID, sequences: sequences, keepNewest: keepNewest)
    }
    func checkpointTaskIDs() throws -> [String] { try base.checkpointTaskIDs() }

    // MARK: LeaseStore

    func addWorkItems(_ items: [NewWorkItem], nowMillis: Int64) throws { try base.addWorkItems(items, nowMillis: nowMillis) }
    func acquire(holder: String, nowMillis: Int64, leaseMillis: Int64) throws -> Lease? {
        try base.acquire(holder: holder, nowMillis: nowMillis, leaseMillis: leaseMillis)
    }
    func renew(itemID: String, fencingToken: Int64, nowMillis: Int64, leaseMillis: Int64) throws -> Int64 {
        try base.renew(itemID: itemID, fencingToken: fencingToken, nowMillis: nowMillis, leaseMillis: leaseMillis)
    }
    func release(itemID: String, fencingToken: Int64, outcome: LeaseRelease, nowMillis: Int64) throws {
        try base.release(itemID: itemID, fencingToken: fencingToken, outcome: outcome, nowMillis: nowMillis)
    }
    func sweepExpired(
        nowMillis: Int64, limit: Int, boundary: (@Sendable (SweptItem) throws -> NewCheckpoint?)?
    ) throws -> [SweptItem] {
        try base.sweepExpired(nowMillis: nowMillis, limit: limit, boundary: boundary)
    }
    func workItems(status: WorkItemStatus?, ids: [String]?) throws -> [WorkItem] {
        try base.workItems(status: status, ids: ids)
    }

    // MARK: IdempotencyStore

    func storedResult(key: String, nowMillis: Int64) throws -> String? { try base.storedResult(key: key, nowMillis: nowMillis) }
    func entry(key: String) throws -> IdempotencyEntry? { try base.entry(key: key) }
    func claimKey(_ claim: IdempotencyClaim, replacing token: Int64?) throws -> Int64? {
        try base.claimKey(claim, replacing: token)
    }
    func completeKey(key: String, token: Int64, result: String, nowMillis: Int64, expiresAtMillis: Int64) throws -> Bool {
        try base.completeKey(key: key, token: token, result: result, nowMillis: nowMillis, expiresAtMillis: expiresAtMillis)
    }
    func failKey(key: String, token: Int64, error: String, nowMillis: Int64) throws -> Bool {
        try base.failKey(key: key, token: token, error: error, nowMillis: nowMillis)
    }
    func deleteKey(key: String) throws -> Bool { try base.deleteKey(key: key) }
    func entries(kind: IdempotencyKind, taskID: String?, limit: Int) throws -> [IdempotencyEntry] {
        try base.entries(kind: kind, taskID: taskID, limit: limit)
    }
    func purgeExpired(kind: IdempotencyKind, nowMillis: Int64) throws -> Int {
        try base.purgeExpired(kind: kind, nowMillis: nowMillis)
    }

    // MARK: TaskStore

    func setTaskState(taskID: String, state: TaskState, detail: String?, nowMillis: Int64) throws {
        try base.setTaskState(taskID: taskID, state: state, detail: detail, nowMillis: nowMillis)
    }
    func task(id: String) throws -> TaskRecord? { try base.task(id: id) }
}
